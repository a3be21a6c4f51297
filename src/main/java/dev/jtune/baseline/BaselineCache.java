package dev.jtune.baseline;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.DatasetPreparer;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.Split;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The baseline's result per dataset, kept as {@code baseline-<key>.json} in a cache folder (the one
 * frozen-encoder features use), so a second run on the same data costs nothing. The key is the
 * SHA-256 of the dataset's {@code labels.txt}, {@code train.csv}, {@code val.csv}, {@code test.csv}
 * and of the settings ({@link BaselineSettings#describe()}): a changed file or setting is a new key,
 * so the result is computed again. An unreadable cache file is computed again and replaced.
 */
public final class BaselineCache {
  /** Bumped when what is computed changes while the settings line stays the same. */
  private static final String FORMAT = "jtune-baseline-1";

  /** The result, whether it came from the cache, and its cache file. */
  public record Lookup(BaselineResult result, boolean cached, Path file) {}

  private BaselineCache() {}

  /** The baseline of {@code data} under {@code settings}: read from {@code dir}, or fitted and written there. */
  public static Lookup resultFor(PreparedDataset data, BaselineSettings settings, Path dir) {
    Path file = dir.resolve("baseline-" + key(data.dir(), settings) + ".json");
    if (Files.isRegularFile(file)) {
      try {
        return new Lookup(JtuneJson.MAPPER.readValue(file.toFile(), BaselineResult.class), true, file);
      } catch (IOException | RuntimeException e) {
        // a file cut short or from another version: the result is cheap to compute again
      }
    }
    BaselineResult result = TfidfLogisticRegression.fit(data, settings);
    JtuneJson.write(file, result);
    return new Lookup(result, false, file);
  }

  /** SHA-256 over the dataset's files (labels, then train, val, test) and the settings. */
  public static String key(Path datasetDir, BaselineSettings settings) {
    List<String> files = new ArrayList<>(List.of(DatasetPreparer.LABELS_FILE));
    for (Split s : Split.values()) files.add(s.fileName());
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String f : files) {
        md.update((f + "\n").getBytes(StandardCharsets.UTF_8));
        try (InputStream in = new DigestInputStream(Files.newInputStream(datasetDir.resolve(f)), md)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      md.update((FORMAT + "\n" + settings.describe()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + datasetDir + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
