package dev.jtune.eval;

import dev.jtune.io.AtomicFiles;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/**
 * PNG charts of a training run, drawn with XChart: line charts of curves over steps (loss, metrics,
 * learning rate), the confusion-matrix heat map, per-class precision/recall bars and quality
 * against speed of models that compare. Writes are atomic.
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
    AtomicFiles.writeBytes(png, confusionHeatmapPng(title, labels, counts));
  }

  /** The bytes of {@link #confusionHeatmap}'s PNG (e.g. for a TensorBoard image summary). */
  public static byte[] confusionHeatmapPng(String title, List<String> labels, long[][] counts) {
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
    return pngBytes(title, chart);
  }

  /** Precision, recall and F1 of each class side by side, as bars (0 to 1). */
  public static void perClassBars(Path png, String title, ClassificationMetrics m) {
    List<String> labels = m.perClass().stream().map(ConfusionMatrix.ClassMetrics::label).toList();
    CategoryChart chart = new CategoryChartBuilder().width(Math.max(WIDTH, 90 * labels.size() + 200)).height(HEIGHT).title(title)
        .xAxisTitle("class").yAxisTitle("value").build();
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
    chart.addSeries("precision", labels, m.perClass().stream().map(c -> (Number) c.precision()).toList());
    chart.addSeries("recall", labels, m.perClass().stream().map(c -> (Number) c.recall()).toList());
    chart.addSeries("F1", labels, m.perClass().stream().map(c -> (Number) c.f1()).toList());
    save(png, chart);
  }

  /**
   * One model that compares with others: its name, how many texts per second it scores and its
   * macro-F1 (both measured on the same split and machine as the models beside it).
   */
  public record SpeedPoint(String name, double seqPerSecond, double macroF1) {
    public SpeedPoint {
      if (!(seqPerSecond > 0 && Double.isFinite(seqPerSecond))) {
        throw new IllegalArgumentException(name + ": speed must be a positive number of texts per second, got " + seqPerSecond);
      }
      if (!Double.isFinite(macroF1)) throw new IllegalArgumentException(name + ": macro-F1 must be finite, got " + macroF1);
    }
  }

  /**
   * Quality against speed: one labelled point per model (x texts per second, y macro-F1), on a
   * logarithmic speed axis when the speeds are an order of magnitude apart. Up and to the right is better.
   */
  public static void qualitySpeedChart(Path png, String title, List<SpeedPoint> points) {
    if (points.isEmpty()) throw new IllegalArgumentException("a quality/speed chart needs at least one model");
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("texts per second (higher is faster)")
        .yAxisTitle("macro-F1").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(12);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
    double min = points.stream().mapToDouble(SpeedPoint::seqPerSecond).min().orElseThrow();
    double max = points.stream().mapToDouble(SpeedPoint::seqPerSecond).max().orElseThrow();
    if (max / min >= 10) chart.getStyler().setXAxisLogarithmic(true);
    double lo = points.stream().mapToDouble(SpeedPoint::macroF1).min().orElseThrow();
    double hi = points.stream().mapToDouble(SpeedPoint::macroF1).max().orElseThrow();
    double pad = Math.max(0.01, (hi - lo) * 0.2); // points close in quality stay apart on the chart
    chart.getStyler().setYAxisMin(Math.max(0, lo - pad)).setYAxisMax(hi + pad / 2);
    if (max / min < 10) chart.getStyler().setXAxisMin(Math.max(0, min - (max - min) * 0.2 - 0.05 * max)).setXAxisMax(max + (max - min) * 0.2 + 0.05 * max);
    for (SpeedPoint p : points) {
      chart.addSeries(String.format(java.util.Locale.ROOT, "%s (%.1f/s, %.4f)", p.name(), p.seqPerSecond(), p.macroF1()),
          new double[] {p.seqPerSecond()}, new double[] {p.macroF1()});
    }
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
    AtomicFiles.writeBytes(png, pngBytes(png.toString(), chart));
  }

  private static byte[] pngBytes(String what, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot draw " + what + ": " + e.getMessage(), e);
    }
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
