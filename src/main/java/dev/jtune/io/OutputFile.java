package dev.jtune.io;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A single file a command is about to write at a path the user chose ({@code score --out} and
 * {@code --rejects}, {@code bench --out}), checked before any work starts. jtune records each such
 * file in a hidden sidecar manifest beside it ({@link Manifest#sidecarOf}). An existing file is
 * replaced only when its sidecar says jtune wrote it as this kind and it is unchanged since, or,
 * with {@code force}, when jtune wrote it but it was changed since. A file without such a sidecar is
 * refused even with {@code force}, and so is every path {@link ProtectedPaths} protects.
 *
 * <p>The content goes to a temporary sibling ({@link TempSiblings}) that {@link #commit} renames
 * over the target in one step.
 */
public final class OutputFile {
  private final Path target;
  private final ArtifactKind kind;
  private final ProtectedPaths protectedPaths;
  private final boolean force;
  private final String option;

  private OutputFile(Path target, ArtifactKind kind, ProtectedPaths protectedPaths, boolean force, String option) {
    this.target = target;
    this.kind = kind;
    this.protectedPaths = protectedPaths;
    this.force = force;
    this.option = option;
  }

  /**
   * Checks that {@code target} (the value of {@code option}) may be written as {@code kind}, after
   * removing temporary siblings left in its folder by killed runs; a {@link JtuneException} in one
   * line says why not and what to do.
   */
  public static OutputFile claim(Path target, ArtifactKind kind, ProtectedPaths protectedPaths, boolean force, String option) {
    OutputFile out = new OutputFile(target, kind, protectedPaths, force, option);
    out.check();
    return out;
  }

  public Path path() {
    return target;
  }

  /** The target as an absolute path. */
  public Path absolutePath() {
    return protectedPaths.absolute(target).normalize();
  }

  /** A new empty temporary sibling to write the content into (its folder is created if missing). */
  public Path newTemp() throws IOException {
    return AtomicFiles.newTemp(absolutePath());
  }

  /**
   * Renames {@code temp} over the target and records it in the sidecar, after checking the target
   * again (it may have changed while the content was written); on a refusal {@code temp} is deleted.
   */
  public void commit(Path temp) throws IOException {
    try {
      check();
    } catch (RuntimeException e) {
      discard(temp);
      throw e;
    }
    Path abs = absolutePath();
    Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    Manifest.scanFile(kind, abs).write(Manifest.sidecarOf(abs));
  }

  /** Writes the whole file through {@code writer} and commits it. */
  public void write(AtomicFiles.FileWriter writer) {
    Path temp = null;
    try {
      temp = newTemp();
      writer.write(temp);
      commit(temp);
      temp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      discard(temp);
    }
  }

  /** Deletes a temporary file that will not be committed (null is ignored). */
  public static void discard(Path temp) {
    if (temp == null) return;
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + temp, e);
    }
  }

  /** Checks the target again, e.g. before committing one of several outputs that belong together. */
  public void recheck() {
    check();
  }

  private void check() {
    protectedPaths.check(target, option);
    Path abs = absolutePath();
    if (abs.getParent() != null) TempSiblings.removeStale(abs.getParent());
    if (Files.isSymbolicLink(abs)) {
      throw new JtuneException(target + ": is a symbolic link; give the file itself as " + option);
    }
    if (!Files.exists(abs)) return;
    if (Files.isDirectory(abs)) {
      throw new JtuneException(target + ": is a folder; " + option + " takes a file path");
    }
    Path sidecar = Manifest.sidecarOf(abs);
    Manifest manifest = Manifest.read(sidecar)
        .filter(m -> m.files().size() == 1 && m.files().get(0).path().equals(abs.getFileName().toString()))
        .orElseThrow(() -> new JtuneException(target + ": file exists and was not written by jtune (no " + sidecar.getFileName()
            + " beside it); choose another " + option + " or remove it yourself"));
    if (manifest.artifactKind() != kind) {
      throw new JtuneException(target + ": is " + OutputFolder.describe(manifest) + " written by jtune, not "
          + kind.description() + "; choose another " + option);
    }
    Optional<String> difference = manifest.difference(abs.getParent(), true);
    if (difference.isPresent() && !force) {
      throw new JtuneException(target + ": was written by jtune but changed since; pass --force to replace it or choose another "
          + option);
    }
  }
}
