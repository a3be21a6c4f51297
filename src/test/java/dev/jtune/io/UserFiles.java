package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A user's own files planted around an output path (beside it, and inside it when it is a folder),
 * with their bytes remembered, so a test can assert that a command left every one of them
 * byte-identical.
 */
public final class UserFiles {
  private final Map<Path, byte[]> files = new LinkedHashMap<>();

  /** Plants {@code NOTES.md} and {@code mystuff/data.bin} beside {@code target} (in its folder). */
  public static UserFiles beside(Path target) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    return new UserFiles()
        .put(parent.resolve("NOTES.md"), "# my notes\nkeep me\n".getBytes(StandardCharsets.UTF_8))
        .put(parent.resolve("mystuff").resolve("data.bin"), new byte[] {0, 1, 2, (byte) 0xff, 10});
  }

  /** Plants {@code thesis.txt} and {@code sub/deep.txt} inside the folder {@code dir}. */
  public static UserFiles inside(Path dir) throws IOException {
    return new UserFiles()
        .put(dir.resolve("thesis.txt"), "chapter 1\n".getBytes(StandardCharsets.UTF_8))
        .put(dir.resolve("sub").resolve("deep.txt"), "deep\r\nlines\n".getBytes(StandardCharsets.UTF_8));
  }

  /** Remembers files that exist already (e.g. an output the user then edited). */
  public static UserFiles existing(Path... paths) throws IOException {
    UserFiles u = new UserFiles();
    for (Path p : paths) u.files.put(p, Files.readAllBytes(p));
    return u;
  }

  /** Writes {@code bytes} to {@code file} (folders created) and remembers it. */
  public UserFiles put(Path file, byte[] bytes) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    files.put(file, bytes);
    return this;
  }

  public UserFiles and(UserFiles other) {
    files.putAll(other.files);
    return this;
  }

  /** Every planted file is still there with exactly its bytes. */
  public void assertUnchanged() throws IOException {
    for (Map.Entry<Path, byte[]> e : files.entrySet()) {
      assertTrue(Files.isRegularFile(e.getKey()), "lost " + e.getKey());
      assertArrayEquals(e.getValue(), Files.readAllBytes(e.getKey()), "changed " + e.getKey());
    }
  }

  /** No hidden temporary entry of jtune is left in {@code dir}. */
  public static void assertNoTemporaries(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> assertTrue(!TempSiblings.isTemp(p.getFileName().toString()), "temporary left: " + p));
    }
  }
}
