package dev.jtune.io;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * jtune's record of what it wrote: the artifact kind, the jtune version and every file (relative
 * path, size, SHA-256) and folder. A folder carries it as {@value #FILE_NAME}; a single output file
 * carries it as a hidden sidecar {@code .<name>.jtune-manifest.json} beside it. An existing output
 * is replaced only when its manifest says jtune wrote it; {@link #difference} tells whether the
 * content is still exactly what jtune wrote.
 *
 * @param kind the {@link ArtifactKind#id()} of the output
 * @param jtuneVersion the version of jtune that wrote it ("dev" when run from classes)
 * @param complete false while a command still writes into the folder in place (a training run)
 * @param files every file jtune wrote, sorted by path; paths use '/'
 * @param dirs every folder jtune made, sorted
 */
public record Manifest(String kind, String jtuneVersion, boolean complete, List<Entry> files, List<String> dirs) {
  public static final String FILE_NAME = ".jtune-manifest.json";
  private static final String SIDECAR_SUFFIX = ".jtune-manifest.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** One file: path relative to the folder, size in bytes, SHA-256 in hex. */
  public record Entry(String path, long size, String sha256) {
    public Entry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(sha256, "sha256");
    }
  }

  public Manifest {
    Objects.requireNonNull(kind, "kind");
    jtuneVersion = jtuneVersion == null ? version() : jtuneVersion;
    files = files == null ? List.of() : files.stream().sorted(Comparator.comparing(Entry::path)).toList();
    dirs = dirs == null ? List.of() : List.copyOf(new TreeSet<>(dirs));
  }

  /** The kind, or null when the manifest names a kind this version does not know. */
  @JsonIgnore
  public ArtifactKind artifactKind() {
    return ArtifactKind.byId(kind);
  }

  /** The manifest file of a folder. */
  public static Path fileIn(Path dir) {
    return dir.resolve(FILE_NAME);
  }

  /** The sidecar manifest of a single output file: {@code .<name>.jtune-manifest.json} beside it. */
  public static Path sidecarOf(Path file) {
    return file.resolveSibling("." + file.getFileName() + SIDECAR_SUFFIX);
  }

  /** Records every file and folder under {@code dir} (but not a manifest file at its top). */
  public static Manifest scan(ArtifactKind kind, Path dir) {
    return scan(kind, dir, p -> true, true);
  }

  /**
   * Records the files and folders under {@code dir} whose relative path {@code owned} accepts (a
   * folder that is not accepted is not descended into).
   */
  public static Manifest scan(ArtifactKind kind, Path dir, Predicate<String> owned, boolean complete) {
    List<Entry> files = new ArrayList<>();
    List<String> dirs = new ArrayList<>();
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          if (d.equals(dir)) return FileVisitResult.CONTINUE;
          String rel = relative(dir, d);
          if (!owned.test(rel)) return FileVisitResult.SKIP_SUBTREE;
          dirs.add(rel);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
          String rel = relative(dir, f);
          if (attrs.isRegularFile() && !rel.equals(FILE_NAME) && owned.test(rel)) files.add(entry(f, rel));
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
    }
    return new Manifest(kind.id(), null, complete, files, dirs);
  }

  /** The record of one file, for its sidecar. */
  public static Manifest scanFile(ArtifactKind kind, Path file) {
    try {
      return new Manifest(kind.id(), null, true, List.of(entry(file, file.getFileName().toString())), List.of());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The manifest in {@code file}; empty when there is none or it is not a jtune manifest. */
  public static Optional<Manifest> read(Path file) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
    try {
      Manifest m = JSON.readValue(file.toFile(), Manifest.class);
      return m.kind() == null ? Optional.empty() : Optional.of(m);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Writes this manifest to {@code file} atomically. */
  public void write(Path file) {
    try {
      AtomicFiles.writeString(file, JSON.writeValueAsString(this) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The relative paths of every recorded file. */
  @JsonIgnore
  public Set<String> paths() {
    Set<String> s = new TreeSet<>();
    files.forEach(e -> s.add(e.path()));
    return s;
  }

  public Manifest withComplete(boolean done) {
    return new Manifest(kind, version(), done, files, dirs);
  }

  /**
   * This manifest with the files at {@code relPaths} (re)recorded as they are now in {@code dir},
   * and their parent folders recorded; a path that no longer exists is dropped.
   */
  public Manifest withFiles(Path dir, Collection<String> relPaths) {
    Map<String, Entry> byPath = new LinkedHashMap<>();
    files.forEach(e -> byPath.put(e.path(), e));
    Set<String> newDirs = new TreeSet<>(dirs);
    for (String rel : relPaths) {
      Path f = dir.resolve(rel);
      if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        try {
          byPath.put(rel, entry(f, rel));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
        }
        for (int i = rel.indexOf('/'); i >= 0; i = rel.indexOf('/', i + 1)) newDirs.add(rel.substring(0, i));
      } else {
        byPath.remove(rel);
      }
    }
    return new Manifest(kind, version(), complete, new ArrayList<>(byPath.values()), new ArrayList<>(newDirs));
  }

  /**
   * How {@code dir} differs from this record, or empty when it holds exactly the recorded files
   * (same size and SHA-256) and folders. With {@code extrasAllowed}, entries that are not recorded
   * do not count.
   */
  public Optional<String> difference(Path dir, boolean extrasAllowed) {
    Map<String, Entry> expected = new LinkedHashMap<>();
    files.forEach(e -> expected.put(e.path(), e));
    for (String d : dirs) {
      if (!Files.isDirectory(dir.resolve(d), LinkOption.NOFOLLOW_LINKS)) return Optional.of(d + "/ is missing");
    }
    for (Entry e : files) {
      Path f = dir.resolve(e.path());
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return Optional.of(e.path() + " is missing");
      try {
        if (Files.size(f) != e.size() || !sha256(f).equals(e.sha256())) return Optional.of(e.path() + " was changed");
      } catch (IOException ex) {
        return Optional.of(e.path() + " cannot be read (" + ex.getMessage() + ")");
      }
    }
    if (extrasAllowed) return Optional.empty();
    List<String> extra = extras(dir);
    return extra.isEmpty() ? Optional.empty() : Optional.of(extra.get(0) + " was not written by jtune");
  }

  /**
   * The entries under {@code dir} that this manifest does not record, as relative paths: an
   * unrecorded folder counts as one entry (with everything in it); symbolic links always count.
   */
  public List<String> extras(Path dir) {
    Set<String> known = paths();
    Set<String> knownDirs = new TreeSet<>(dirs);
    List<String> out = new ArrayList<>();
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          if (d.equals(dir)) return FileVisitResult.CONTINUE;
          String rel = relative(dir, d);
          if (knownDirs.contains(rel)) return FileVisitResult.CONTINUE;
          out.add(rel);
          return FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
          String rel = relative(dir, f);
          boolean recorded = attrs.isRegularFile() && (known.contains(rel) || rel.equals(FILE_NAME));
          if (!recorded) out.add(rel);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /** SHA-256 of a file's bytes, in hex. */
  public static String sha256(Path f) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static Entry entry(Path f, String rel) throws IOException {
    return new Entry(rel, Files.size(f), sha256(f));
  }

  static String relative(Path dir, Path p) {
    return dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
  }

  /** The running jtune's version, from the jar manifest ("dev" when run from classes). */
  static String version() {
    String v = Manifest.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
