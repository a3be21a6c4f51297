package dev.jtune.serve;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One version folder of an exported model, resolved from {@code exports/<name>} (newest version)
 * or {@code exports/<name>/<version>}. Also knows where the matching ONNX file lives by
 * convention: {@code exports/<name>-onnx/<version>/model.onnx}, outside the TF Serving folder so
 * that TF Serving never sees it.
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

  /** The conventional ONNX file of this version. */
  public Path defaultOnnxFile() {
    Path base = dir.getParent() == null ? dir : dir.getParent().getParent();
    return base.resolve(name + "-onnx").resolve(Long.toString(version)).resolve("model.onnx");
  }
}
