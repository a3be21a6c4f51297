package dev.jtune.eval;

import dev.jtune.io.AtomicFiles;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * PNG charts of a training run, drawn with XChart: line charts of curves over steps (loss, metrics,
 * learning rate) and the confusion-matrix heat map. Writes are atomic.
 */
public final class ChartWriter {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;

  static {
    // charts are rendered off-screen; no display is needed or wanted
    System.setProperty("java.awt.headless", "true");
  }

  private ChartWriter() {}

  /** One named curve: x values (e.g. steps) and y values of equal length. */
  public record Curve(String name, double[] x, double[] y) {
    public Curve {
      if (x.length != y.length) throw new IllegalArgumentException("curve " + name + ": x and y differ in length");
    }
  }

  /**
   * A line chart of the given curves; curves without points are left out. A point whose value is not
   * finite (a diverged loss) is drawn as a gap, since XChart refuses infinities.
   */
  public static void lineChart(Path png, String title, String xLabel, String yLabel, List<Curve> curves) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setMarkerSize(4);
    int drawn = 0;
    for (Curve c : curves) {
      if (c.x().length == 0) continue;
      XYSeries s = chart.addSeries(c.name(), finiteOrGap(c.x()), finiteOrGap(c.y()));
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      drawn++;
    }
    if (drawn == 0) chart.addSeries("(no points)", new double[] {0}, new double[] {0});
    save(png, chart);
  }

  /** The confusion matrix as a heat map: rows are true classes, columns predicted ones. */
  public static void confusionHeatmap(Path png, String title, List<String> labels, long[][] counts) {
    int n = labels.size();
    HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(500, 80 * n + 200)).height(Math.max(400, 60 * n + 200))
        .title(title).xAxisTitle("predicted").yAxisTitle("true").build();
    chart.getStyler().setShowValue(true);
    chart.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)});
    List<Number[]> cells = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) cells.add(new Number[] {p, n - 1 - t, counts[t][p]});
    }
    List<String> yLabels = new ArrayList<>(labels);
    java.util.Collections.reverse(yLabels); // first class on top, as in the markdown table
    chart.addSeries("count", labels, yLabels, cells);
    save(png, chart);
  }

  private static double[] finiteOrGap(double[] values) {
    double[] out = values.clone();
    for (int i = 0; i < out.length; i++) if (!Double.isFinite(out[i])) out[i] = Double.NaN;
    return out;
  }

  private static void save(Path png, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
    // rendered in memory first: a chart that fails to draw leaves no file at all, and saving by
    // file name would make XChart write "<name>.png" beside the temporary file
    byte[] bytes;
    try {
      bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot draw " + png + ": " + e.getMessage(), e);
    }
    AtomicFiles.writeBytes(png, bytes);
  }

  /** Convenience for curves held as step -> value maps. */
  public static Curve curve(String name, Map<? extends Number, ? extends Number> points) {
    double[] x = new double[points.size()], y = new double[points.size()];
    int i = 0;
    for (Map.Entry<? extends Number, ? extends Number> e : points.entrySet()) {
      x[i] = e.getKey().doubleValue();
      y[i++] = e.getValue().doubleValue();
    }
    return new Curve(name, x, y);
  }
}
