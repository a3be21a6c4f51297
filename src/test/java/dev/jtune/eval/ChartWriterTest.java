package dev.jtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartWriterTest {
  @TempDir Path dir;

  private List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void drawsNonFiniteValuesAsGapsAndLeavesOnlyThePng() throws Exception {
    // before: XChart threw on the infinite point and a temporary "<tmp>.png" stayed behind
    Path png = dir.resolve("loss.png");
    ChartWriter.lineChart(png, "Loss", "step", "loss", List.of(
        new ChartWriter.Curve("train", new double[] {1, 2, 3, 4}, new double[] {0.7, Double.POSITIVE_INFINITY, Double.NaN, 0.5}),
        new ChartWriter.Curve("validation", new double[] {2, 4}, new double[] {Double.NEGATIVE_INFINITY, Double.NaN})));
    assertNotNull(ImageIO.read(png.toFile()), "a readable PNG");
    assertEquals(List.of("loss.png"), files());
  }

  @Test
  void aCurveWithNoFiniteValueStillGivesAChart() throws Exception {
    Path png = dir.resolve("lr.png");
    ChartWriter.lineChart(png, "Learning rate", "step", "lr",
        List.of(new ChartWriter.Curve("constant", new double[] {1, 2}, new double[] {Double.POSITIVE_INFINITY, Double.NaN})));
    assertNotNull(ImageIO.read(png.toFile()));
    assertEquals(List.of("lr.png"), files());
  }

  @Test
  void perClassBarsAreDrawnForEveryClass() throws Exception {
    ConfusionMatrix m = new ConfusionMatrix(3);
    int[][] pairs = {{0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {2, 2}, {2, 0}, {2, 2}};
    for (int[] p : pairs) m.add(p[0], p[1]);
    Path png = dir.resolve("per_class.png");
    ChartWriter.perClassBars(png, "Per class", ClassificationMetrics.of(m, List.of("a", "b", "c"), Double.NaN));
    java.awt.image.BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image);
    org.junit.jupiter.api.Assertions.assertTrue(Files.size(png) > 10_000, Files.size(png) + " bytes");
    assertEquals(List.of("per_class.png"), files());
  }

  @Test
  void qualityAgainstSpeedTakesNamedPointsAndRefusesUnmeasuredOnes() throws Exception {
    // e.g. a teacher, a distilled student and two pruning levels, later compression stages' points
    Path png = dir.resolve("quality_speed.png");
    ChartWriter.qualitySpeedChart(png, "Quality against speed", List.of(new ChartWriter.SpeedPoint("teacher", 40, 0.91),
        new ChartWriter.SpeedPoint("student", 160, 0.89), new ChartWriter.SpeedPoint("pruned 30%", 60, 0.905),
        new ChartWriter.SpeedPoint("baseline", 9000, 0.86)));
    assertNotNull(ImageIO.read(png.toFile()));
    org.junit.jupiter.api.Assertions.assertTrue(Files.size(png) > 10_000, Files.size(png) + " bytes");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ChartWriter.SpeedPoint("x", 0, 0.5));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ChartWriter.SpeedPoint("x", 10, Double.NaN));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ChartWriter.qualitySpeedChart(dir.resolve("none.png"), "t", List.of()));
    assertEquals(List.of("quality_speed.png"), files());
  }
}
