package dev.jtune.train;

import dev.jtune.JtuneException;
import dev.jtune.artifact.RunLayout;
import dev.jtune.io.AtomicFiles;
import dev.jtune.io.AtomicFolder;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.Manifest;
import dev.jtune.io.ProtectedPaths;
import dev.jtune.io.TempSiblings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folder of one training run, written in place so that its checkpoints let a killed run resume.
 * {@link #claim} decides, before anything is written, how the run starts:
 *
 * <ul>
 *   <li>a fresh run needs an absent or empty folder;
 *   <li>{@code --force} replaces a finished run jtune wrote (its {@code .jtune-manifest.json} says
 *       so): the files that manifest records are deleted, entries the user added stay where they are;
 *   <li>{@code --resume} needs a run jtune wrote, in progress or finished: one with a run manifest,
 *       or (written before manifests existed) a {@code config.json} that parses as a training config
 *       beside nothing but a run's own entries. A missing folder is an error.
 * </ul>
 *
 * While the run trains, its manifest is marked incomplete; {@link #finish} records every file the
 * run wrote. Files the user adds to a run folder are never recorded, so they are never deleted;
 * {@code model/} is replaced as a whole, so nothing but the classifier may be inside it.
 */
final class RunFolder {
  static final String CONFIG_FILE = RunLayout.CONFIG_FILE;
  static final String MODEL_DIR = RunLayout.MODEL_DIR;
  static final String CHECKPOINT_DIR = RunLayout.CHECKPOINT_DIR;
  /** The files a run writes at its top, besides checkpoints/ and model/. */
  static final Set<String> TOP_FILES = RunLayout.TOP_FILES;
  static final Set<String> CHECKPOINT_FILES = Set.of(CHECKPOINT_DIR + "/last.ckpt", CHECKPOINT_DIR + "/best.ckpt");
  /** Reports {@code jtune evaluate} adds: evaluation-&lt;name&gt;.json, .md and -confusion.png. */
  private static final Pattern EVALUATION = Pattern.compile("evaluation-.+(\\.json|\\.md|-confusion\\.png)");
  /** What TensorFlow and jtune write into model/. */
  private static final Pattern MODEL_FILE = Pattern.compile(
      "saved_model\\.pb|fingerprint\\.pb|README\\.md|variables(/variables\\.(index|data-\\d+-of-\\d+))?|assets(/(bert_config\\.json|tokenizer\\.json|labels\\.txt|classifier\\.json))?");
  /** TensorBoard's event files, one per process that trained the run. */
  private static final Pattern EVENT_FILE = Pattern.compile(
      Pattern.quote(RunLayout.TENSORBOARD_DIR + "/" + dev.jtune.eval.TensorBoardLog.FILE_PREFIX) + "[A-Za-z0-9._-]+");
  /** The stamp older Makefiles left in run folders (now kept beside the run). */
  private static final String OLD_MAKE_STAMP = ".exported";

  enum Start { FRESH, REPLACE, RESUME }

  private final Path dir;
  private final Start start;
  private final Manifest previous; // null for a fresh run, or a run written before manifests existed

  private RunFolder(Path dir, Start start, Manifest previous) {
    this.dir = dir;
    this.start = start;
    this.previous = previous;
  }

  Path dir() {
    return dir;
  }

  boolean resuming() {
    return start == Start.RESUME;
  }

  /** Decides how the run in {@code dir} starts; refuses in one line (nothing is written but stale temporaries removed). */
  static RunFolder claim(Path dir, boolean resume, boolean force, ProtectedPaths protectedPaths) {
    protectedPaths.check(dir, "--out");
    Path abs = dir.toAbsolutePath().normalize();
    if (abs.getParent() != null) TempSiblings.removeStale(abs.getParent());
    if (Files.isSymbolicLink(abs)) throw new JtuneException(dir + ": is a symbolic link; give the run folder itself as --out");
    if (!Files.exists(abs)) {
      if (resume) throw new JtuneException(dir + ": no run to resume (the folder does not exist); drop --resume to start a new run");
      return new RunFolder(dir, Start.FRESH, null);
    }
    if (!Files.isDirectory(abs)) throw new JtuneException(dir + ": exists and is not a folder; choose another --out");
    TempSiblings.removeStale(abs); // e.g. a config.json a killed run was writing: the folder may be empty after all
    if (isEmpty(abs)) {
      if (resume) throw new JtuneException(dir + ": no run to resume (the folder is empty); drop --resume to start a new run");
      return new RunFolder(dir, Start.FRESH, null);
    }
    Optional<Manifest> manifest = Manifest.read(Manifest.fileIn(abs));
    if (manifest.isPresent()) {
      Manifest m = manifest.get();
      if (m.artifactKind() != ArtifactKind.RUN) {
        throw new JtuneException(dir + ": holds " + (m.artifactKind() == null ? "'" + m.kind() + "'" : m.artifactKind().description())
            + " written by jtune, not a training run; choose another --out");
      }
      TempSiblings.removeStaleTree(abs); // checkpoints, reports or model/ a killed run was writing
      if (resume) {
        Optional<String> changed = m.complete() ? m.difference(abs, true) : Optional.empty();
        if (changed.isPresent() && !force) {
          throw new JtuneException(dir + ": holds a finished run that has changed since jtune wrote it (" + changed.get()
              + "); pass --force with --resume to continue it anyway or choose another --out");
        }
        RunFolder run = new RunFolder(dir, Start.RESUME, m);
        run.refuseUserFilesInModel();
        return run;
      }
      if (!m.complete()) {
        throw new JtuneException(dir + ": holds a run in progress; pass --resume to continue it or choose another --out");
      }
      if (!force) {
        throw new JtuneException(dir + ": holds a finished run; pass --force to replace it (files you added are kept), "
            + "--resume to continue it, or choose another --out");
      }
      RunFolder run = new RunFolder(dir, Start.REPLACE, m);
      run.refuseUserFilesInModel();
      run.refuseUserFilesNamedLikeOutputs();
      return run;
    }
    TempSiblings.removeStale(abs.resolve(CHECKPOINT_DIR));
    Optional<String> notRun = notAnUnrecordedRun(abs);
    if (notRun.isPresent()) {
      throw new JtuneException(dir + ": folder exists and was not written by jtune (" + notRun.get() + "); choose another --out"
          + (resume ? "" : " or empty it yourself"));
    }
    if (!resume) {
      throw new JtuneException(dir + ": holds a run written before jtune recorded its runs (no " + Manifest.FILE_NAME
          + "); pass --resume to continue it or choose another --out");
    }
    RunFolder run = new RunFolder(dir, Start.RESUME, null);
    run.refuseUserFilesInModel();
    return run;
  }

  /**
   * Makes the folder ready for the run, once every check has passed: creates it (a fresh run),
   * deletes the files the previous run recorded (a replaced run), and marks it as in progress.
   */
  void open(TrainingConfig config) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      switch (start) {
        case REPLACE -> deleteRecorded(abs, previous);
        case FRESH, RESUME -> { }
      }
      Files.createDirectories(abs);
      if (start != Start.RESUME || !Files.isRegularFile(abs.resolve(CONFIG_FILE))) {
        AtomicFiles.writeString(abs.resolve(CONFIG_FILE), config.toJson() + "\n");
      }
      Manifest inProgress = start == Start.RESUME && previous != null
          ? previous.withFiles(abs, List.of(CONFIG_FILE)).withComplete(false)
          : Manifest.scan(ArtifactKind.RUN, abs, owned(start == Start.RESUME), false);
      inProgress.write(Manifest.fileIn(abs));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Refuses (before model/ is replaced) when model/ holds anything but the classifier's files. */
  void refuseUserFilesInModel() {
    Path model = dir.toAbsolutePath().normalize().resolve(MODEL_DIR);
    if (!Files.exists(model, LinkOption.NOFOLLOW_LINKS)) return;
    if (!Files.isDirectory(model, LinkOption.NOFOLLOW_LINKS)) {
      throw new JtuneException(model + ": is not the classifier folder jtune writes; move it out of the run folder");
    }
    try (Stream<Path> walk = Files.walk(model)) {
      for (Path p : walk.toList()) {
        if (p.equals(model)) continue;
        String rel = model.relativize(p).toString().replace('\\', '/');
        if (Files.isSymbolicLink(p) || !MODEL_FILE.matcher(rel).matches()) {
          throw new JtuneException(p + ": was not written by jtune, and jtune replaces " + MODEL_DIR
              + "/ as a whole; move it out of the run folder and run again");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + model, e);
    }
  }

  /** Records every file the run wrote in its manifest, as finished. */
  void finish() {
    Path abs = dir.toAbsolutePath().normalize();
    Manifest.scan(ArtifactKind.RUN, abs, owned(previous == null && start == Start.RESUME), true).write(Manifest.fileIn(abs));
  }

  /**
   * The relative paths that are the run's own: its fixed files, checkpoints, model/, and what the
   * previous manifest recorded (e.g. evaluation reports); for a run from before manifests existed,
   * every evaluation report too (its layout was checked to hold nothing else).
   */
  private Predicate<String> owned(boolean unrecordedRun) {
    boolean keepRecord = previous != null && start == Start.RESUME; // a replaced run's record was deleted with its files
    Set<String> recorded = keepRecord ? previous.paths() : Set.of();
    Set<String> recordedDirs = keepRecord ? Set.copyOf(previous.dirs()) : Set.of();
    return rel -> TOP_FILES.contains(rel) || rel.equals(CHECKPOINT_DIR) || CHECKPOINT_FILES.contains(rel)
        || rel.equals(MODEL_DIR) || rel.startsWith(MODEL_DIR + "/") || recorded.contains(rel) || recordedDirs.contains(rel)
        || rel.equals(RunLayout.TENSORBOARD_DIR) || EVENT_FILE.matcher(rel).matches()
        || (unrecordedRun && EVALUATION.matcher(rel).matches());
  }

  private void refuseUserFilesNamedLikeOutputs() {
    Path abs = dir.toAbsolutePath().normalize();
    for (String rel : previous.extras(abs)) {
      if (TOP_FILES.contains(rel) || CHECKPOINT_FILES.contains(rel)) {
        throw new JtuneException(abs.resolve(rel) + ": was not written by jtune but has the name of a file the run writes; "
            + "move it out of the run folder and run again");
      }
    }
  }

  /**
   * Why {@code dir} (without a manifest) is not a run folder written by an earlier jtune, or empty
   * when it is: config.json parses as a training config, and every other entry is a run's own.
   */
  private static Optional<String> notAnUnrecordedRun(Path dir) {
    Path config = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS)) return Optional.of("no " + Manifest.FILE_NAME + " and no " + CONFIG_FILE);
    try {
      TrainingConfig.read(config);
    } catch (RuntimeException e) {
      return Optional.of(CONFIG_FILE + " is not a training config");
    }
    List<String> foreign = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        boolean link = Files.isSymbolicLink(p);
        boolean ok = !link && (TOP_FILES.contains(name) && Files.isRegularFile(p) || EVALUATION.matcher(name).matches()
            || name.equals(MODEL_DIR) && Files.isDirectory(p) || name.equals(OLD_MAKE_STAMP)
            || name.equals(CHECKPOINT_DIR) && onlyCheckpoints(p));
        if (!ok) foreign.add(name);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
    foreign.sort(null);
    return foreign.isEmpty() ? Optional.empty() : Optional.of(foreign.get(0) + " is not part of a run");
  }

  private static boolean onlyCheckpoints(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (!CHECKPOINT_FILES.contains(CHECKPOINT_DIR + "/" + p.getFileName()) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Deletes the files {@code m} records and the folders it records once they are empty; the rest stays. */
  private static void deleteRecorded(Path dir, Manifest m) throws IOException {
    for (String rel : m.paths()) Files.deleteIfExists(dir.resolve(rel));
    List<String> dirs = new ArrayList<>(m.dirs());
    dirs.sort(java.util.Comparator.reverseOrder());
    for (String d : dirs) {
      Path p = dir.resolve(d);
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && isEmpty(p)) Files.delete(p);
    }
    // model/ is the run's as a whole (its own files were checked above): what TensorFlow wrote beyond the record goes too
    AtomicFolder.deleteTree(dir.resolve(MODEL_DIR));
    Files.deleteIfExists(Manifest.fileIn(dir));
  }

  private static boolean isEmpty(Path dir) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
  }
}
