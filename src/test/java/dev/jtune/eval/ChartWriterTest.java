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
}
