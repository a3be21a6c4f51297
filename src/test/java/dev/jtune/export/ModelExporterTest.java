package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.io.CliRun;
import dev.jtune.io.UserFiles;
import dev.jtune.model.BertConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole export of a tiny run: layout, versions, parity report of every artifact. */
class ModelExporterTest {
  @TempDir static Path tmp;
  static Path run;

  @BeforeAll
  static void fixture() throws Exception {
    run = TinyRunFixture.create(tmp.resolve("runs/tiny"), BertConfig.Pooler.DENSE, "cls", 5);
    TinyRunFixture.dataset(tmp.resolve("runs/data"), 40, 9);
  }

  /** Runs the TFLite artifacts in LiteRT.js, so it needs `make litert` (see {@link TfliteLiteRtTest}). */
  @Test
  @Tag("real")
  @Tag("litert")
  void exportsEveryFormatIntoTheNextVersionWithAPassingParityReport() throws Exception {
    InstalledLiteRt.require();
    Path out = tmp.resolve("exports-all");
    ModelExporter.Result r = ModelExporter.export(ExportConfig.of(run).withOut(out), new java.io.PrintWriter(System.err, true));
    assertEquals(out.resolve("tiny/1"), r.versionDir());
    Path v = r.versionDir();
    for (String f : List.of("saved_model.pb", "variables/variables.index", "model.onnx", "model-float32.tflite", "model-float16.tflite",
        "model-int8.tflite", "export-report.json", "assets.extra/tokenizer.json", "assets.extra/labels.txt",
        "assets.extra/classifier.json", "assets.extra/provenance.json")) {
      assertTrue(Files.isRegularFile(v.resolve(f)), f);
    }
    assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(v)), "servable by another user");
    System.out.print(r.report().toTable());
    assertTrue(r.report().allChecksPassed(), r.report().toTable());
    assertEquals(40, r.report().examples());
    List<String> names = r.report().artifacts().stream().map(ExportReport.Artifact::artifact).toList();
    assertEquals(List.of("training graph", "savedmodel", "onnx", "tflite float32", "tflite float16", "tflite int8"), names);
    for (ExportReport.Artifact a : r.report().artifacts().subList(1, names.size())) {
      assertNotNull(a.maxAbsDiff(), a.artifact());
      assertEquals(1.0, a.labelAgreement(), 0.051, a.artifact()); // int8 may flip one of 40 near-ties
      assertNotNull(a.batch1MsP50(), a.artifact());
      long onDisk = a.artifact().equals("savedmodel")
          ? Files.size(v.resolve("saved_model.pb")) + Files.size(v.resolve("variables/variables.index"))
              + Files.size(v.resolve("variables/variables.data-00000-of-00001"))
          : Files.size(v.resolve(a.file()));
      assertEquals(onDisk, a.bytes(), a.artifact() + ": the report gives the size on disk");
    }
    ExportReport.Artifact f32 = r.report().artifacts().get(3);
    ExportReport.Artifact i8 = r.report().artifacts().get(5);
    assertTrue(i8.bytes() < f32.bytes() * 0.6, "int8 " + i8.bytes() + " vs float32 " + f32.bytes());
    JsonNode json = new ObjectMapper().readTree(v.resolve("export-report.json").toFile());
    assertEquals(6, json.get("artifacts").size());
    JsonNode prov = new ObjectMapper().readTree(v.resolve("assets.extra/provenance.json").toFile());
    assertEquals(run.toAbsolutePath().normalize().toString(), prov.get("run").asText());
    assertTrue(prov.get("sha256").has("model.onnx"));
    assertEquals(2, prov.get("graph").get("onnx_ir_ops").get("GELU").asInt());

    ModelExporter.Result second = ModelExporter.export(ExportConfig.of(run).withOut(out).withFormats("onnx").withParity(false),
        new java.io.PrintWriter(System.err, true));
    assertEquals(out.resolve("tiny/2"), second.versionDir());
    try (Stream<Path> s = Files.list(out.resolve("tiny"))) {
      assertEquals(List.of("1", "2"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no staging folder left behind");
    }
  }

  /** The same export without running anything: every format's files land in the next version folder. */
  @Test
  void exportsEveryFormatIntoTheNextVersionFolder() throws Exception {
    Path out = tmp.resolve("exports-files");
    ModelExporter.Result r = ModelExporter.export(ExportConfig.of(run).withOut(out).withParity(false), new java.io.PrintWriter(System.err, true));
    assertEquals(out.resolve("tiny/1"), r.versionDir());
    for (String f : List.of("saved_model.pb", "variables/variables.index", "model.onnx", "model-float32.tflite", "model-float16.tflite",
        "model-int8.tflite", "assets.extra/tokenizer.json", "assets.extra/labels.txt", "assets.extra/classifier.json",
        "assets.extra/provenance.json")) {
      assertTrue(Files.isRegularFile(r.versionDir().resolve(f)), f);
    }
    JsonNode prov = new ObjectMapper().readTree(r.versionDir().resolve("assets.extra/provenance.json").toFile());
    for (String f : List.of("model.onnx", "model-float32.tflite", "model-float16.tflite", "model-int8.tflite")) assertTrue(prov.get("sha256").has(f), f);
    assertEquals(out.resolve("tiny/2"), ModelExporter.export(ExportConfig.of(run).withOut(out).withFormats("tflite").withParity(false),
        new java.io.PrintWriter(System.err, true)).versionDir());
  }

  @Test
  void benchComparesTheSavedModelWithOnnxRuntimeOnTheSameTokens() throws Exception {
    Path out = tmp.resolve("exports-bench");
    ModelExporter.export(ExportConfig.of(run).withOut(out).withFormats("savedmodel,onnx").withParity(false), new java.io.PrintWriter(System.err, true));
    Map<String, Object> r = ExportBenchmark.run(new ExportBenchmark.Config(out.resolve("tiny"), tmp.resolve("runs/data"), "test", 0, 8),
        new java.io.PrintWriter(System.err, true));
    assertEquals(out.resolve("tiny/1").toString(), r.get("model"), "the highest version is benchmarked");
    assertEquals(40, r.get("examples"));
    assertTrue((Double) r.get("max_abs_diff_probabilities") < 1e-5);
    // the timings themselves are checked on an injected clock in TimedScoringTest; here: both runtimes report them
    for (String k : List.of("tensorflow_savedmodel", "onnxruntime")) {
      Map<?, ?> m = (Map<?, ?>) r.get(k);
      assertEquals(java.util.Set.of("latency_batch1_ms_p50", "latency_batch_ms_p50", "examples_per_second"),
          java.util.Set.copyOf(m.keySet().stream().map(String::valueOf).toList()), k + ": " + m);
    }
  }

  @Test
  void benchOutIsReplacedOnlyWhenJtuneWroteIt() throws Exception {
    Path out = tmp.resolve("exports-bench-out");
    ModelExporter.export(ExportConfig.of(run).withOut(out).withFormats("savedmodel,onnx").withParity(false), new java.io.PrintWriter(System.err, true));
    Path reports = tmp.resolve("bench-reports");
    Path json = reports.resolve("export.json");
    UserFiles user = UserFiles.beside(json).and(new UserFiles().put(json, "{\"mine\": 1}\n".getBytes()));
    Path folder = reports.resolve("folder.json");
    UserFiles inside = UserFiles.inside(folder);
    for (String force : List.of("--no-parity", "--force")) {
      CliRun.of(bench(out, json, force)).assertRefused(json + ": file exists and was not written by jtune (no .export.json.jtune-manifest.json "
          + "beside it); choose another --out or remove it yourself");
      CliRun.of(bench(out, folder, force)).assertRefused(folder + ": is a folder; --out takes a file path");
    }
    user.assertUnchanged();
    inside.assertUnchanged();

    Path fresh = reports.resolve("fresh.json");
    CliRun.of(bench(out, fresh, "--no-parity")).assertOk();
    CliRun.of(bench(out, fresh, "--no-parity")).assertOk(); // its own report: replaced
    assertTrue(new ObjectMapper().readTree(fresh.toFile()).has("onnxruntime"));
    user.assertUnchanged();
    UserFiles.assertNoTemporaries(reports);
  }

  @Test
  void parityChecksTheFirstNExamplesOrAllAndTimesEveryRuntime() throws Exception {
    assertEquals(200, ExportConfig.of(run).parity().limit(), "a bounded sample by default");
    Path out = tmp.resolve("exports-bounded");
    java.io.StringWriter log = new java.io.StringWriter();
    ExportConfig five = ExportConfig.builder(run).baseDir(out).formats(ExportFormat.parseList("savedmodel,onnx"))
        .data(tmp.resolve("runs/data")).limit(5).build();
    ExportReport r = ModelExporter.export(five, new java.io.PrintWriter(log, true)).report();
    assertEquals(5, r.examples());
    assertTrue(r.allChecksPassed(), r.toTable());
    for (ExportReport.Artifact a : r.artifacts()) {
      assertNotNull(a.seconds(), a.artifact());
      assertTrue(a.seconds() > 0, a.artifact());
      assertTrue(log.toString().contains(a.artifact() + " (" + a.runtime() + "): "), log.toString());
    }
    assertTrue(r.toTable().contains("time s"), r.toTable());

    // on the command line: a number, or all of the split's 40
    CliRun.of("export", "--run", run.toString(), "--format", "savedmodel", "--data", tmp.resolve("runs/data").toString(),
        "--out", out.toString(), "--parity-examples", "all").assertOk();
    JsonNode all = new ObjectMapper().readTree(out.resolve("tiny/2/export-report.json").toFile());
    assertEquals(40, all.get("examples").asInt());
    assertTrue(all.get("artifacts").get(1).get("seconds").asDouble() > 0);
    CliRun.of("export", "--run", run.toString(), "--format", "savedmodel", "--out", out.toString(), "--parity-examples", "some")
        .assertRefused("'some' is neither 'all' nor a number");
  }

  /** bench export of the tiny model on 8 examples; {@code extra} is --force or a harmless placeholder. */
  private static String[] bench(Path exports, Path out, String extra) {
    List<String> args = new java.util.ArrayList<>(List.of("bench", "export", "--model", exports.resolve("tiny").toString(),
        "--data", tmp.resolve("runs/data").toString(), "--limit", "8", "--out", out.toString()));
    if (extra.equals("--force")) args.add(extra);
    return args.toArray(String[]::new);
  }
}
