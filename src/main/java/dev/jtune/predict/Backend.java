package dev.jtune.predict;

import dev.jtune.JtuneException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Which runtime runs an exported classifier: TensorFlow Java on the SavedModel, or ONNX Runtime on its ONNX twin. */
public enum Backend {
  /** The SavedModel through TensorFlow Java. */
  TF("tf"),
  /** The ONNX file through ONNX Runtime. */
  ONNX("onnx");

  private final String label;

  Backend(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Every name, for help texts and errors. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(Backend::label).toList();
  }

  /** The backend called {@code name} (case-insensitive); another name is a one-line error. */
  public static Backend parse(String name) {
    for (Backend b : values()) if (b.label.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) return b;
    throw new JtuneException("expected tf or onnx, got '" + name + "'");
  }

  @Override
  public String toString() {
    return label;
  }
}
