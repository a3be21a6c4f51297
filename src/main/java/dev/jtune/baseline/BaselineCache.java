package dev.jtune.baseline;

import dev.jtune.artifact.JtuneJson;
import dev.jtune.data.PreparedDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The baseline's result per dataset, kept as {@code baseline-<key>.json} in a cache folder (the one
 * frozen-encoder features use), so a second run on the same data costs nothing. The key is the
 * SHA-256 of the dataset's {@code labels.txt}, {@code train.csv}, {@code val.csv}, {@code test.csv}
 * and of the settings ({@link BaselineSettings#describe()}): a changed file or setting is a new key,
 * so the result is computed again. An unreadable cache file is computed again and replaced.
 */
public final class BaselineCache {
  /** Bumped when what is computed changes while the settings line stays the same. */
  private static final String FORMAT = "jtune-baseline-2";

  /** The result, whether it came from the cache, and its cache file. */
  public record Lookup(BaselineResult result, boolean cached, Path file) {}

  private BaselineCache() {}

  /** The baseline of {@code data} under {@code settings}: read from {@code dir}, or fitted and written there. */
  public static Lookup resultFor(PreparedDataset data, BaselineSettings settings, Path dir) {
    return resultFor(data, PreparedDataset.sha256(data.dir()), settings, dir);
  }

  /** As {@link #resultFor(PreparedDataset, BaselineSettings, Path)}, for a caller that has the data's {@link PreparedDataset#sha256} already. */
  public static Lookup resultFor(PreparedDataset data, String dataSha256, BaselineSettings settings, Path dir) {
    Path file = dir.resolve("baseline-" + key(dataSha256, settings) + ".json");
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

  /** SHA-256 over the dataset's digest ({@link PreparedDataset#sha256}), the cache format and the settings. */
  static String key(String dataSha256, BaselineSettings settings) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((dataSha256 + "\n" + FORMAT + "\n" + settings.describe()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
