package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jtune import} end to end on a small synthetic ONNX encoder. */
class ImportCommandTest {

  @Test
  void importsOnnxIntoALoadableSavedModelFolder(@TempDir Path tmp) throws Exception {
    BertConfig tiny = BertConfig.tiny(BertConfig.Pooler.MEAN);
    EncoderWeights weights = BertEncoderTest.randomWeights(tiny, 31);
    Path onnx = tmp.resolve("tiny.onnx");
    Files.write(onnx, new OnnxEncoderImportTest.SyntheticBert(weights).bytes());
    Path tokenizer = EncoderSavedModelTest.tinyTokenizer(tmp, tiny.vocabSize());
    Path out = tmp.resolve("savedmodels").resolve("tiny");

    assertEquals(0, Main.run("import", "--onnx", onnx.toString(), "--tokenizer", tokenizer.toString(), "--out", out.toString()));
    EncoderSavedModel loaded = EncoderSavedModel.load(out);
    assertEquals(tiny, loaded.pretrained().config());
    assertEquals(0, weights.maxAbsDifference(loaded.pretrained().weights()));
  }

  @Test
  void userErrorsExitWithCodeTwoAndLeaveNothingBehind(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("out");
    assertEquals(2, Main.run("import", "--onnx", tmp.resolve("missing.onnx").toString(), "--tokenizer", "t.json", "--out", out.toString()));
    Path junk = tmp.resolve("junk.onnx");
    Files.write(junk, new byte[] {8, 1, 9, 9});
    assertEquals(2, Main.run("import", "--onnx", junk.toString(), "--tokenizer", "t.json", "--out", out.toString()));
    assertFalse(Files.exists(out));
    try (var files = Files.list(tmp)) {
      assertTrue(files.allMatch(p -> p.getFileName().toString().equals("junk.onnx")));
    }
  }
}
