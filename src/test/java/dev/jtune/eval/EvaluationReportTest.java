package dev.jtune.eval;

import dev.jtune.artifact.JtuneJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationReportTest {
  @TempDir Path dir;

  private static EvaluationReport report() {
    ConfusionMatrix m = ConfusionMatrix.ofCounts(new long[][] {{8, 2}, {1, 4}});
    return new EvaluationReport("runs/r/model", "datasets/d", "test",
        ClassificationMetrics.of(m, List.of("ham", "spam"), 0.25), Map.of());
  }

  @Test
  void jsonHoldsMetricsAndConfusionMatrix() throws Exception {
    report().writeJson(dir.resolve("m.json"));
    JsonNode j = JtuneJson.MAPPER.readTree(dir.resolve("m.json").toFile());
    assertEquals(12.0 / 15, j.at("/metrics/accuracy").asDouble(), 1e-12);
    assertEquals(2, j.at("/metrics/confusion/0/1").asInt());
    assertEquals("spam", j.at("/metrics/per_class/1/label").asText());
    assertEquals(15, j.at("/metrics/examples").asInt());
  }

  @Test
  void markdownHasPerClassRowsAndConfusionRows() {
    String md = report().toMarkdown();
    assertTrue(md.contains("| spam | 0.6667 | 0.8000 | 0.7273 | 5 |"), md);
    assertTrue(md.contains("| ham | 8 | 2 |"), md);
    assertTrue(md.contains("- accuracy: 0.8000"), md);
  }

  @Test
  void chartsAreWrittenAsPng() throws Exception {
    Path curve = dir.resolve("loss.png");
    ChartWriter.lineChart(curve, "loss", "step", "loss",
        List.of(new ChartWriter.Curve("train", new double[] {1, 2, 3}, new double[] {0.9, 0.5, 0.3})));
    Path heat = dir.resolve("confusion.png");
    ChartWriter.confusionHeatmap(heat, "test", List.of("ham", "spam"), new long[][] {{8, 2}, {1, 4}});
    for (Path p : List.of(curve, heat)) {
      byte[] b = Files.readAllBytes(p);
      assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', p + " is not a PNG");
    }
    try (var s = Files.list(dir)) {
      assertEquals(2, s.count(), "no temporary files left behind");
    }
  }
}
