package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text side of an exported classifier comes from its classifier.json, with nothing assumed. */
class ClassifierAssetsTest {
  @TempDir Path base;

  @Test
  void textsAreTokenizedByTheMaxSeqLenOfClassifierJson() throws Exception {
    Path v = ServingFixtures.textClassifier(base, "spam", 1, 3);
    Files.writeString(v.resolve("assets.extra/classifier.json"),
        "{\"pooling\":\"mean\",\"num_labels\":2,\"labels\":[\"ham\",\"spam\"],\"max_seq_len\":5,\"truncation\":\"head\"}");
    try (ClassifierAssets a = ClassifierAssets.find(v).orElseThrow()) {
      assertEquals(5, a.maxSeqLen());
      assertEquals(java.util.List.of("ham", "spam"), a.labels());
      // [CLS] the free money win [SEP]: vocabulary ids 5 + the word's index in ServingFixtures.WORDS
      assertArrayEquals(new int[] {2, 5, 7, 8, 3}, a.encode("the free money win prize now"));
    }
  }

  @Test
  void aClassifierExportWithoutClassifierJsonIsRefusedNamingTheFile() throws Exception {
    Path v = ServingFixtures.textClassifier(base, "spam", 1, 3);
    Path spec = v.resolve("assets.extra/classifier.json");
    Files.delete(spec);
    JtuneException e = assertThrows(JtuneException.class, () -> ClassifierAssets.find(v));
    assertEquals(spec + ": missing; a jtune classifier export has assets.extra/classifier.json beside tokenizer.json and labels.txt "
        + "(export the run again with jtune export)", e.getMessage());
  }

  @Test
  void labelsTxtThatDisagreesWithClassifierJsonIsRefused() throws Exception {
    Path v = ServingFixtures.textClassifier(base, "spam", 1, 3);
    Files.writeString(v.resolve("assets.extra/labels.txt"), "spam\nham\n");
    JtuneException e = assertThrows(JtuneException.class, () -> ClassifierAssets.find(v));
    assertEquals(v.resolve("assets.extra/labels.txt") + ": labels [spam, ham] differ from classifier.json [ham, spam]", e.getMessage());
  }

  @Test
  void aVersionWithoutTokenizerAndLabelsIsNoClassifier() throws Exception {
    Path v = ServingFixtures.genericModel(base, "generic", 1);
    assertTrue(ClassifierAssets.find(v).isEmpty());
  }
}
