package dev.jtune.export.tflite;

import dev.jtune.JtuneException;
import java.util.Locale;

/** How a TFLite artifact stores its weights. Activations are float32 in every variant. */
public enum TflitePrecision {
  /** float32 weights: the reference variant. */
  FLOAT32,
  /** float16 weights, dequantized to float32 when the model loads: half the size. */
  FLOAT16,
  /**
   * Dynamic-range int8: FULLY_CONNECTED weights int8 with one scale per output channel (inputs
   * quantized on the fly), embedding tables int8 per row: about a quarter of the size.
   */
  INT8;

  /** File-name suffix and CLI spelling: float32, float16, int8. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TflitePrecision parse(String s) {
    for (TflitePrecision p : values()) if (p.label().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
    throw new JtuneException("unknown TFLite variant '" + s + "': use float32, float16 or int8");
  }
}
