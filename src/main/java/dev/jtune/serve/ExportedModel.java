package dev.jtune.serve;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One version folder of an exported model, resolved from {@code exports/<name>} (newest version)
 * or {@code exports/<name>/<version>}, and where its ONNX twin is.
 */
public record ExportedModel(String name, long version, Path dir) {

  public static ExportedModel resolve(Path path) {
    Path p = path.toAbsolutePath().normalize();
    if (Files.isRegularFile(p.resolve("saved_model.pb"))) {
      String v = p.getFileName().toString();
      long version = v.matches("\\d{1,18}") ? Long.parseLong(v) : 0;
      String name = p.getParent() == null ? v : p.getParent().getFileName().toString();
      return new ExportedModel(name, version, p);
    }
    if (!Files.isDirectory(p)) {
      throw new JtuneException(path + ": model folder not found; pass exports/<model-name> or exports/<model-name>/<version>");
    }
    var versions = ModelBase.versions(p);
    if (versions.isEmpty()) {
      throw new JtuneException(path + ": no version folder with a saved_model.pb; export the model first (jtune export)");
    }
    var newest = versions.lastEntry();
    return new ExportedModel(p.getFileName().toString(), newest.getKey(), newest.getValue());
  }

  /**
   * The ONNX twin of this version: {@code model.onnx} inside the version folder (where {@code jtune
   * export} writes it; TF Serving ignores it), else {@code <base>/<name>-onnx/<version>/model.onnx}.
   * When neither exists, the first (for the error message).
   */
  public Path defaultOnnxFile() {
    Path inside = dir.resolve("model.onnx");
    Path base = dir.getParent() == null ? dir : dir.getParent().getParent();
    Path beside = base == null ? inside : base.resolve(name + "-onnx").resolve(Long.toString(version)).resolve("model.onnx");
    return !Files.isRegularFile(inside) && Files.isRegularFile(beside) ? beside : inside;
  }
}
