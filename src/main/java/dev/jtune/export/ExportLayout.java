package dev.jtune.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The TF Serving model-base layout {@code <exports>/<model-name>/<integer version>/}: picks the
 * next version number, stages a version in a hidden temporary folder next to it and renames it
 * into place in one step, so a polling server never sees a half-written version (TF Serving only
 * loads folders whose names are integers).
 */
public final class ExportLayout {
  private final Path modelBase;

  public ExportLayout(Path exportsDir, String modelName) {
    if (modelName == null || !modelName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new dev.jtune.JtuneException("model name '" + modelName + "' is not usable as a folder name: use letters, digits, '.', '_' and '-'");
    }
    this.modelBase = exportsDir.resolve(modelName);
  }

  public Path modelBase() {
    return modelBase;
  }

  /** 1 + the highest integer version folder present (1 for a new model). */
  public long nextVersion() throws IOException {
    if (!Files.isDirectory(modelBase)) return 1;
    try (Stream<Path> s = Files.list(modelBase)) {
      return 1 + s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d{1,18}")).mapToLong(Long::parseLong).max().orElse(0);
    }
  }

  /** A fresh hidden staging folder inside the model base. */
  public Path stage() throws IOException {
    Files.createDirectories(modelBase);
    return Files.createTempDirectory(modelBase, ".staging-");
  }

  /** Moves a staged folder to its version number; fails if that version appeared meanwhile. */
  public Path publish(Path staged, long version) throws IOException {
    Path target = modelBase.resolve(Long.toString(version));
    if (Files.exists(target)) {
      throw new dev.jtune.JtuneException(target + " appeared while this export was written (another export running?); run it again");
    }
    makeReadable(staged);
    return Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * A staging folder starts private (mode 700) and copied assets keep the run's modes; a served
   * version must be readable by the server's user (often another one, e.g. in a container).
   */
  private static void makeReadable(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its default permissions apply
    }
  }

  /** Deletes a staged folder after a failure. */
  public static void discard(Path staged) {
    if (staged == null || !Files.exists(staged)) return;
    try (Stream<Path> s = Files.walk(staged)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a hidden staging folder is never served
    }
  }
}
