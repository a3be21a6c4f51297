package dev.jtune.export;

import dev.jtune.JtuneException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The artifact kinds {@code jtune export} writes. */
public enum ExportFormat {
  /** TF1-style SavedModel for TensorFlow Serving (saved_model.pb + variables/). */
  SAVEDMODEL,
  /** .tflite files (float32, float16, int8 variants) with fixed input shape [1, max_seq_len]. */
  TFLITE,
  /** model.onnx, opset 17, dynamic batch and sequence axes. */
  ONNX;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a comma-separated list such as "savedmodel,tflite,onnx". */
  public static Set<ExportFormat> parseList(String list) {
    Set<ExportFormat> out = EnumSet.noneOf(ExportFormat.class);
    for (String s : list.split(",")) {
      String t = s.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty()) continue;
      ExportFormat f = null;
      for (ExportFormat x : values()) if (x.label().equals(t)) f = x;
      if (f == null) throw new JtuneException("unknown export format '" + s.trim() + "' in --format " + list + ": use savedmodel, tflite, onnx (any subset, comma-separated)");
      out.add(f);
    }
    if (out.isEmpty()) throw new JtuneException("--format is empty: use savedmodel, tflite, onnx (any subset, comma-separated)");
    return out;
  }
}
