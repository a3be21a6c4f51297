package dev.jtune.export;

import dev.jtune.JtuneException;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.AtomicFolder;
import dev.jtune.io.Manifest;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.TempSiblings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The TF Serving model-base layout {@code <exports>/<model-name>/<integer version>/}: checks the
 * model folder before an export starts, picks the next version number, stages a version in a hidden
 * temporary folder next to it ({@link TempSiblings}) and renames it into place in one step, so a
 * polling server never sees a half-written version (TF Serving only loads folders whose names are
 * integers). An export never replaces or deletes anything: it always adds a new version, recorded
 * in the version's {@code .jtune-manifest.json}.
 */
public final class ExportLayout {
  private static final String VERSION_NAME = "\\d{1,18}";
  private final Path modelBase;

  public ExportLayout(Path exportsDir, String modelName) {
    if (modelName == null || !modelName.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new JtuneException("model name '" + modelName + "' is not usable as a folder name: use letters, digits, '.', '_' and '-'");
    }
    this.modelBase = exportsDir.resolve(modelName);
  }

  public Path modelBase() {
    return modelBase;
  }

  /**
   * Checks, before anything is written, that the model folder may receive a new version: it must
   * not be protected (the current folder, a folder holding the run, ...), and it must be absent,
   * empty or a model folder (only integer version folders, whoever wrote them). With {@code force},
   * a version is also added beside other entries (nothing is ever deleted). Stale staging folders
   * of killed exports are removed first.
   */
  public void claim(ProtectedPaths protectedPaths, boolean force) {
    protectedPaths.check(modelBase, "--out or --name");
    TempSiblings.removeStale(modelBase);
    if (!Files.exists(modelBase)) return;
    if (!Files.isDirectory(modelBase)) {
      throw new JtuneException(modelBase + ": exists and is not a folder; choose another --out or --name");
    }
    if (force) return;
    try (Stream<Path> entries = Files.list(modelBase)) {
      for (Path p : entries.sorted().toList()) {
        String name = p.getFileName().toString();
        boolean version = name.matches(VERSION_NAME) && Files.isDirectory(p);
        if (!version && !TempSiblings.isTemp(name)) {
          throw new JtuneException(modelBase + ": holds " + name + ", which is not a version folder, so it is not a model folder; "
              + "choose another --out or --name, or pass --force to add a version beside it (nothing is deleted)");
        }
      }
    } catch (IOException e) {
      throw new JtuneException(modelBase + ": cannot read it (" + e.getMessage() + "); choose another --out or --name");
    }
  }

  /** 1 + the highest integer version folder present (1 for a new model). */
  public long nextVersion() throws IOException {
    if (!Files.isDirectory(modelBase)) return 1;
    try (Stream<Path> s = Files.list(modelBase)) {
      return 1 + s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> n.matches(VERSION_NAME)).mapToLong(Long::parseLong).max().orElse(0);
    }
  }

  /** A fresh hidden staging folder for {@code version} inside the model base. */
  public Path stage(long version) throws IOException {
    Files.createDirectories(modelBase);
    return Files.createDirectory(TempSiblings.tmpFor(modelBase.resolve(Long.toString(version))));
  }

  /**
   * Records the staged folder in its manifest and moves it to its version number; fails if that
   * version appeared meanwhile.
   */
  public Path publish(Path staged, long version) throws IOException {
    Path target = modelBase.resolve(Long.toString(version));
    if (Files.exists(target)) {
      throw new JtuneException(target + " appeared while this export was written (another export running?); run it again");
    }
    Manifest.scan(ArtifactKind.EXPORT_VERSION, staged).write(Manifest.fileIn(staged));
    makeReadable(staged);
    return Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * A staging folder's copied assets keep the run's modes; a served version must be readable by
   * the server's user (often another one, e.g. in a container).
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
    if (staged == null) return;
    try {
      AtomicFolder.deleteTree(staged);
    } catch (RuntimeException ignored) {
      // best effort: a hidden staging folder is never served, and the next export removes it
    }
  }
}
