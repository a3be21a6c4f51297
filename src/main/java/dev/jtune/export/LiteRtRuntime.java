package dev.jtune.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs .tflite files in LiteRT.js (the WebAssembly build of the TFLite runtime with XNNPACK) under
 * Node, through {@code tools/litert/run_tflite.mjs}: inputs and outputs go through JSON files.
 * It is the independent TFLite runtime the exporter checks its artifacts with; it exists only where
 * {@code tools/litert} has been installed ({@code make litert}).
 */
public final class LiteRtRuntime {
  /** Folder holding run_tflite.mjs and node_modules; overridable with -Djtune.litert.dir. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("jtune.litert.dir", "tools/litert"));
  }

  /** One model run over many rows: the named output per row and the time of each call. */
  public record Run(float[][] outputs, double[] msPerRow) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path dir;

  private LiteRtRuntime(Path dir) {
    this.dir = dir;
  }

  /** The runtime in {@code dir}, if its script, its installed package and a node binary are there. */
  public static Optional<LiteRtRuntime> find(Path dir) {
    if (!Files.isRegularFile(dir.resolve("run_tflite.mjs")) || !Files.isDirectory(dir.resolve("node_modules/@litertjs/core"))) {
      return Optional.empty();
    }
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    return Optional.of(new LiteRtRuntime(dir));
  }

  /**
   * Runs {@code model} on each row of the [rows, seqLen] int32 inputs (the model's fixed input shape
   * must be [1, seqLen]) and returns output {@code output} per row.
   */
  public Run run(Path model, Map<String, int[]> inputs, int rows, int seqLen, String output) throws IOException {
    Path work = Files.createTempDirectory("jtune-litert-");
    try {
      Path request = work.resolve("request.json");
      Path response = work.resolve("response.json");
      Path stderr = work.resolve("stderr.txt");
      Map<String, Object> req = new LinkedHashMap<>();
      req.put("model", model.toAbsolutePath().toString());
      req.put("rows", rows);
      req.put("seqLen", seqLen);
      req.put("inputs", inputs);
      req.put("output", output);
      JSON.writeValue(request.toFile(), req);
      Process p = new ProcessBuilder("node", dir.resolve("run_tflite.mjs").toAbsolutePath().toString(), request.toString(), response.toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(stderr.toFile())
          .start();
      boolean done = p.waitFor(60, TimeUnit.MINUTES);
      if (!done) {
        p.destroyForcibly();
        throw new IOException("LiteRT.js did not finish within 60 minutes on " + model);
      }
      if (p.exitValue() != 0) {
        List<String> err = Files.readAllLines(stderr).stream().filter(l -> l.contains("Error") || l.contains("ERROR")).toList();
        throw new IOException("LiteRT.js failed on " + model + ": " + (err.isEmpty() ? "exit " + p.exitValue() : String.join(" | ", err.subList(0, Math.min(3, err.size())))));
      }
      JsonNode res = JSON.readTree(response.toFile());
      float[][] outs = new float[rows][];
      double[] ms = new double[rows];
      for (int r = 0; r < rows; r++) {
        JsonNode row = res.get("outputs").get(r);
        outs[r] = new float[row.size()];
        for (int j = 0; j < row.size(); j++) outs[r][j] = (float) row.get(j).asDouble();
        ms[r] = res.get("msPerRow").get(r).asDouble();
      }
      return new Run(outs, ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running LiteRT.js", e);
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
