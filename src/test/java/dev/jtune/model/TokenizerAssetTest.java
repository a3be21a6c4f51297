package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import dev.jtune.data.TinyWordPieceTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerAssetTest {
  @TempDir Path dir;

  @Test
  void aVocabularyListingATokenTwiceIsRefused() throws Exception {
    // before: the second id of "w4" silently replaced the first
    String json = TinyWordPieceTokenizer.json(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "w4", "w5"))
        .replace("\"w5\":5", "\"w5\":5,\"w4\":6").replace("\"w5\" : 5", "\"w5\" : 5, \"w4\" : 6");
    Path source = Files.writeString(dir.resolve("tokenizer.json"), json);
    Path target = dir.resolve("out").resolve("tokenizer.json");
    JtuneException e = assertThrows(JtuneException.class,
        () -> TokenizerAsset.writeNormalized(source, target, BertConfig.tiny(BertConfig.Pooler.MEAN)));
    long line = json.substring(0, json.lastIndexOf("\"w4\"")).lines().count();
    assertEquals(source + ":" + line + ": key 'model.vocab.w4' appears twice in one object; keep only one of them", e.getMessage());
    assertFalse(Files.exists(target));
  }
}
