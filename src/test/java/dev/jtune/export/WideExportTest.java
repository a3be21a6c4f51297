package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.export.ir.GraphLowering;
import dev.jtune.export.ir.InferenceIr;
import dev.jtune.export.tflite.TflitePrecision;
import dev.jtune.export.tflite.TfliteWriter;
import dev.jtune.model.BertConfig;
import java.nio.ByteBuffer;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.TensorType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wide-and-deep classifier ({@code wide_buckets} > 0, random wide table) exports to every format
 * with the same inputs, and each artifact passes its own parity check against the TensorFlow graph:
 * the bigram hash (FloorMod, int32 Mul and Add), the masked weights and the normalised bag lower to
 * ONNX and TFLite builtins.
 */
class WideExportTest {
  @TempDir static Path tmp;
  static Path run;

  @BeforeAll
  static void fixture() throws Exception {
    run = TinyRunFixture.create(tmp.resolve("runs/tiny"), BertConfig.Pooler.DENSE, "mean", 1, 7, 16);
    TinyRunFixture.dataset(tmp.resolve("runs/data"), 40, 9);
  }

  @Test
  void savedModelAndOnnxOfAWideClassifierPassTheirParityChecks() throws Exception {
    ModelExporter.Result r = ModelExporter.export(ExportConfig.of(run).withOut(tmp.resolve("exports")).withFormats("savedmodel,onnx"),
        new java.io.PrintWriter(System.err, true));
    assertTrue(r.report().allChecksPassed(), r.report().toTable());
    List<String> names = r.report().artifacts().stream().map(ExportReport.Artifact::artifact).toList();
    assertEquals(List.of("training graph", "savedmodel", "onnx"), names);
    for (ExportReport.Artifact a : r.report().artifacts().subList(1, names.size())) {
      assertTrue(a.maxAbsDiff() < 1e-4, a.artifact() + ": " + a.maxAbsDiff());
      assertEquals(1.0, a.labelAgreement(), a.artifact());
    }
    JsonNode prov = new ObjectMapper().readTree(r.versionDir().resolve("assets.extra/provenance.json").toFile());
    JsonNode ops = prov.get("graph").get("onnx_ir_ops");
    assertEquals(3, ops.get("FLOOR_MOD").asInt(), "the two ids of a bigram, then the bucket: " + ops);
    assertEquals(16, new ObjectMapper().readTree(r.versionDir().resolve("assets.extra/classifier.json").toFile())
        .get("wide_buckets").asInt());
  }

  /**
   * Runs the TFLite artifacts in LiteRT.js, so it needs `make litert` (see {@link TfliteLiteRtTest}).
   * float32 and float16 must pass their checks; int8's label-agreement check is left to the random
   * fixture's luck (its near-ties flip under int8 dense layers with or without a wide part, as in
   * {@link ModelExporterTest}), so int8 is held to its probabilities instead.
   */
  @Test
  @Tag("real")
  @Tag("litert")
  void tfliteOfAWideClassifierMatchesTheGraph() throws Exception {
    InstalledLiteRt.require();
    ModelExporter.Result r = ModelExporter.export(ExportConfig.of(run).withOut(tmp.resolve("exports-tflite")).withFormats("tflite"),
        new java.io.PrintWriter(System.err, true));
    List<ExportReport.Artifact> a = r.report().artifacts();
    assertEquals(List.of("training graph", "tflite float32", "tflite float16", "tflite int8"),
        a.stream().map(ExportReport.Artifact::artifact).toList());
    assertTrue(a.get(1).checkPassed() && a.get(1).maxAbsDiff() < 1e-4, r.report().toTable());
    assertTrue(a.get(2).checkPassed(), r.report().toTable());
    assertTrue(a.get(3).maxAbsDiff() < 1e-2 && a.get(3).labelAgreement() >= 0.95, r.report().toTable());
  }

  /**
   * In the int8 variant a wide table (one value per class in a row) is gathered as float16 rows,
   * smaller than int8 rows with a 4-byte scale each; the word embeddings (32 values a row) stay int8.
   */
  @Test
  void theInt8VariantKeepsTheNarrowWideTableInFloat16() throws Exception {
    Path wide = TinyRunFixture.create(tmp.resolve("runs/wide400"), BertConfig.Pooler.DENSE, "mean", 1, 7, 400);
    try (InferenceModel m = InferenceModel.of(TrainedRun.load(wide))) {
      InferenceIr ir = GraphLowering.lower(m.graph(), m.session(), m.inputOps(), m.outputTensors(), new GraphLowering.FixedShape(1, 16));
      byte[] file = TfliteWriter.write(ir, TflitePrecision.INT8, "wide int8");
      Model model = Model.getRootAsModel(ByteBuffer.wrap(file));
      SubGraph g = model.subgraphs(0);
      java.util.Map<String, Integer> gatheredTables = new java.util.TreeMap<>();
      java.util.Set<String> ops = new java.util.TreeSet<>();
      for (int i = 0; i < g.operatorsLength(); i++) {
        Operator op = g.operators(i);
        String name = BuiltinOperator.name(model.operatorCodes((int) op.opcodeIndex()).builtinCode());
        ops.add(name);
        if (name.equals("GATHER")) gatheredTables.put(g.tensors(op.inputs(0)).name(), (int) g.tensors(op.inputs(0)).type());
      }
      assertTrue(ops.contains("FLOOR_MOD"), ops.toString());
      assertEquals(TensorType.FLOAT16, gatheredTables.entrySet().stream().filter(e -> e.getKey().contains("classifier/wide"))
          .findFirst().orElseThrow(() -> new AssertionError("no gather of the wide table: " + gatheredTables)).getValue());
      assertTrue(gatheredTables.containsValue((int) TensorType.INT8), "the word embeddings stay int8: " + gatheredTables);
    }
  }
}
