package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.jtune.artifact.ClassifierTensors;
import dev.jtune.data.LengthSortedBatches;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderParameter;
import dev.jtune.predict.OnnxPredictor;
import dev.jtune.predict.SavedModelPredictor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/** What TF Serving needs from the exported SavedModel, read from saved_model.pb itself. */
class SavedModelExportTest {
  @TempDir static Path tmp;
  static Path run;

  @BeforeAll
  static void fixture() throws Exception {
    run = TinyRunFixture.create(tmp.resolve("runs/tiny-mean"), BertConfig.Pooler.MEAN, "mean", 21);
  }

  static Path export(ExportConfig.SavedModelPrecision p, String out) throws Exception {
    ExportConfig c = ExportConfig.of(run).withOut(tmp.resolve(out)).withFormats("savedmodel").withParity(false).withPrecision(p);
    return ModelExporter.export(c, new PrintWriter(new StringWriter())).versionDir();
  }

  @Test
  void metaGraphHasServingTagSignatureAndOnlyInferenceOps() throws Exception {
    Path v = export(ExportConfig.SavedModelPrecision.FP32, "exports");
    SavedModel sm = SavedModel.parseFrom(Files.readAllBytes(v.resolve("saved_model.pb")));
    assertEquals(1, sm.getMetaGraphsCount());
    MetaGraphDef mg = sm.getMetaGraphs(0);
    assertEquals(List.of("serve"), mg.getMetaInfoDef().getTagsList());
    SignatureDef sig = mg.getSignatureDefMap().get("serving_default");
    assertNotNull(sig, "serving_default signature");
    assertEquals("tensorflow/serving/predict", sig.getMethodName());
    assertEquals(Set.of("input_word_ids", "input_mask", "input_type_ids"), sig.getInputsMap().keySet());
    for (TensorInfo t : sig.getInputsMap().values()) {
      assertEquals(DataType.DT_INT32, t.getDtype());
      assertEquals(List.of(-1L, -1L), dims(t));
    }
    assertEquals(Set.of("logits", "probabilities"), sig.getOutputsMap().keySet());
    for (TensorInfo t : sig.getOutputsMap().values()) {
      assertEquals(DataType.DT_FLOAT, t.getDtype());
      assertEquals(List.of(-1L, (long) TinyRunFixture.LABELS.size()), dims(t));
    }
    assertTrue(Files.isRegularFile(v.resolve("variables/variables.index")));
    assertEquals("save/restore_all", mg.getSaverDef().getRestoreOpName(), "saver_def for TF Serving's restore");

    Set<String> variables = new TreeSet<>();
    Set<String> placeholders = new HashSet<>();
    for (NodeDef n : mg.getGraphDef().getNodeList()) {
      String op = n.getOp();
      assertFalse(op.startsWith("Apply") || op.startsWith("ResourceApply") || op.startsWith("Random") || op.equals("TruncatedNormal")
          || op.equals("Assign") && !n.getName().startsWith("save/"), "training or initializer op " + op + " " + n.getName());
      assertFalse(n.getName().contains("dropout") || n.getName().startsWith("gradients"), n.getName());
      if (op.equals("VariableV2")) variables.add(n.getName());
      if (op.equals("Placeholder")) placeholders.add(n.getName());
    }
    Set<String> expected = new TreeSet<>(List.of(ClassifierTensors.HEAD_KERNEL, ClassifierTensors.HEAD_BIAS));
    BertConfig.tiny(BertConfig.Pooler.MEAN).parameters().stream().map(EncoderParameter::name).forEach(expected::add);
    assertEquals(expected, variables, "exactly the model's variables: no optimizer slots, no step counters");
    assertTrue(placeholders.containsAll(Set.of("input_word_ids", "input_mask", "input_type_ids")));
    placeholders.removeAll(Set.of("input_word_ids", "input_mask", "input_type_ids"));
    assertTrue(placeholders.stream().allMatch(p -> p.startsWith("save/")), "no other inputs: " + placeholders);

    List<String> files = List.of("tokenizer.json", "labels.txt", "classifier.json", "provenance.json");
    for (String f : files) assertTrue(Files.isRegularFile(v.resolve("assets.extra").resolve(f)), f);
  }

  @Test
  void reloadedSavedModelMatchesTheTrainingGraph() throws Exception {
    Path v = export(ExportConfig.SavedModelPrecision.FP32, "exports-reload");
    List<int[]> rows = randomTokenRows(24);
    try (SavedModelPredictor trained = SavedModelPredictor.load(run.resolve("model"));
         SavedModelPredictor exported = SavedModelPredictor.load(v)) {
      float[][] want = LengthSortedBatches.run(rows, rows.size(), trained::probabilities);
      float[][] got = LengthSortedBatches.run(rows, rows.size(), exported::probabilities);
      for (int i = 0; i < rows.size(); i++) for (int j = 0; j < want[i].length; j++) assertEquals(want[i][j], got[i][j], 1e-5);
    }
  }

  @Test
  void headOverSeveralLayersExportsToSavedModelAndOnnxLikeTheTrainingGraph() throws Exception {
    Path twoLayerRun = TinyRunFixture.create(tmp.resolve("runs/tiny-top2"), BertConfig.Pooler.MEAN, "mean", 2, 22);
    ExportConfig c = ExportConfig.of(twoLayerRun).withOut(tmp.resolve("exports-top2")).withFormats("savedmodel,onnx").withParity(false);
    Path v = ModelExporter.export(c, new PrintWriter(new StringWriter())).versionDir();
    List<int[]> rows = randomTokenRows(24);
    try (SavedModelPredictor trained = SavedModelPredictor.load(twoLayerRun.resolve("model"));
         SavedModelPredictor exported = SavedModelPredictor.load(v);
         OnnxPredictor onnx = OnnxPredictor.load(v.resolve("model.onnx"), 1)) {
      float[][] want = LengthSortedBatches.run(rows, rows.size(), trained::probabilities);
      float[][] got = LengthSortedBatches.run(rows, rows.size(), exported::probabilities);
      float[][] gotOnnx = LengthSortedBatches.run(rows, rows.size(), onnx::probabilities);
      for (int i = 0; i < rows.size(); i++) {
        for (int j = 0; j < want[i].length; j++) {
          assertEquals(want[i][j], got[i][j], 1e-5);
          assertEquals(want[i][j], gotOnnx[i][j], 1e-4);
        }
      }
    }
  }

  @Test
  void bf16VariantStoresDenseWeightsInBfloat16AndStaysClose() throws Exception {
    Path fp32 = export(ExportConfig.SavedModelPrecision.FP32, "exports-fp32");
    Path bf16 = export(ExportConfig.SavedModelPrecision.BF16, "exports-bf16");
    MetaGraphDef mg = SavedModel.parseFrom(Files.readAllBytes(bf16.resolve("saved_model.pb"))).getMetaGraphs(0);
    long bf16Vars = mg.getGraphDef().getNodeList().stream()
        .filter(n -> n.getOp().equals("VariableV2") && n.getAttrMap().get("dtype").getType() == DataType.DT_BFLOAT16).count();
    assertEquals(2 * 6 + 1, bf16Vars, "q, k, v, attention-out, ffn-in, ffn-out kernels per layer and the head kernel");
    assertTrue(ModelExporter.savedModelBytes(bf16) < ModelExporter.savedModelBytes(fp32));
    List<int[]> rows = randomTokenRows(24);
    try (SavedModelPredictor a = SavedModelPredictor.load(fp32); SavedModelPredictor b = SavedModelPredictor.load(bf16)) {
      float[][] want = LengthSortedBatches.run(rows, rows.size(), a::probabilities);
      float[][] got = LengthSortedBatches.run(rows, rows.size(), b::probabilities);
      double max = 0;
      for (int i = 0; i < rows.size(); i++) for (int j = 0; j < want[i].length; j++) max = Math.max(max, Math.abs(want[i][j] - got[i][j]));
      assertTrue(max < 5e-2, "bf16 max |diff| " + max);
      assertTrue(max > 0, "bf16 must actually change the arithmetic");
    }
  }

  private static List<Long> dims(TensorInfo t) {
    List<Long> d = new ArrayList<>();
    t.getTensorShape().getDimList().forEach(x -> d.add(x.getSize()));
    return d;
  }

  private static List<int[]> randomTokenRows(int n) {
    int[][] r = TinyRunFixture.randomRows(n, TinyRunFixture.MAX_SEQ_LEN, 100, 5);
    List<int[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 0;
      while (len < TinyRunFixture.MAX_SEQ_LEN && r[1][i * TinyRunFixture.MAX_SEQ_LEN + len] == 1) len++;
      rows.add(java.util.Arrays.copyOfRange(r[0], i * TinyRunFixture.MAX_SEQ_LEN, i * TinyRunFixture.MAX_SEQ_LEN + len));
    }
    return rows;
  }
}
