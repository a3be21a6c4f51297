package dev.jtune.baseline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A prepared dataset a linear model separates exactly: a "pos" text holds the word "good", a "neg"
 * text the word "bad", both among words of a shared pool. Train is 10 neg / 6 pos, val 4 / 4, test 3 / 5.
 */
final class SeparableDataset {
  static final List<String> POOL = List.of("movie", "plot", "acting", "story", "music", "scene", "film", "cast");

  private SeparableDataset() {}

  static Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("labels.txt"), "neg\npos\n");
    Files.writeString(dir.resolve("train.csv"), csv(10, 6, 0));
    Files.writeString(dir.resolve("val.csv"), csv(4, 4, 3));
    Files.writeString(dir.resolve("test.csv"), csv(3, 5, 5));
    return dir;
  }

  /** {@code neg} then {@code pos} rows, each the label word and two pool words chosen by position. */
  static String csv(int neg, int pos, int offset) {
    StringBuilder s = new StringBuilder("text,label\n");
    for (int i = 0; i < neg + pos; i++) {
      boolean positive = i >= neg;
      String a = POOL.get((i + offset) % POOL.size()), b = POOL.get((3 * i + offset + 1) % POOL.size());
      s.append(i % 2 == 0 ? a + " " + (positive ? "good" : "bad") + " " + b : (positive ? "Good" : "Bad") + " " + a + " " + b)
          .append(',').append(positive ? "pos" : "neg").append('\n');
    }
    return s.toString();
  }
}
