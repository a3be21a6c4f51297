package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.cli.Main;
import dev.jtune.io.CliRun;
import dev.jtune.io.UserFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  // ---- where import may write (issue: data loss) -----------------------------------------------

  /** The synthetic ONNX encoder and its tokenizer, in {@code dir}. */
  private static Path[] inputs(Path dir) throws Exception {
    BertConfig tiny = BertConfig.tiny(BertConfig.Pooler.MEAN);
    Path onnx = dir.resolve("full.onnx");
    Files.write(onnx, new OnnxEncoderImportTest.SyntheticBert(BertEncoderTest.randomWeights(tiny, 31)).bytes());
    return new Path[] {onnx, EncoderSavedModelTest.tinyTokenizer(dir, tiny.vocabSize())};
  }

  private static CliRun importInto(Path[] in, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("import", "--onnx", in[0].toString(), "--tokenizer", in[1].toString(), "--out", out.toString()));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void aFolderOfTheUsersIsNeverReplaced(@TempDir Path tmp) throws Exception {
    Path[] in = inputs(tmp);
    Path out = tmp.resolve("io/userdir");
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    importInto(in, out).assertRefused(out + ": folder exists and was not written by jtune");
    importInto(in, out, "--force").assertRefused(out + ": folder exists and was not written by jtune");
    user.assertUnchanged();
    UserFiles.assertNoTemporaries(out.getParent());
  }

  @Test
  void theFolderHoldingTheInputsIsRefused(@TempDir Path tmp) throws Exception {
    Path[] in = inputs(tmp);
    UserFiles user = UserFiles.existing(in).and(UserFiles.beside(tmp.resolve("x")));
    // what `--out .` is when run from inside that folder
    importInto(in, tmp).assertRefused(tmp + ": holds the input ");
    importInto(in, tmp.resolve("sub/.."), "--force").assertRefused("holds the input ");
    importInto(in, in[0]).assertRefused("is the input " + in[0]);
    user.assertUnchanged();
  }

  @Test
  void rerunningReplacesItsOwnEncoderAndForceKeepsWhatTheUserAdded(@TempDir Path tmp) throws Exception {
    Path[] in = inputs(tmp);
    Path out = tmp.resolve("savedmodels/tiny");
    importInto(in, out).assertOk();
    importInto(in, out).assertOk();
    Files.writeString(out.resolve("assets/tokenizer.json"), " ", java.nio.file.StandardOpenOption.APPEND); // one byte more
    importInto(in, out).assertRefused("(assets/tokenizer.json was changed); pass --force");
    UserFiles user = UserFiles.beside(out).and(UserFiles.inside(out));
    importInto(in, out, "--force").assertOk();
    user.assertUnchanged();
    assertEquals(BertConfig.tiny(BertConfig.Pooler.MEAN), EncoderSavedModel.load(out).pretrained().config());
    UserFiles.assertNoTemporaries(out.getParent());
  }
}
