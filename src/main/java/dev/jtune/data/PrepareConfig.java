package dev.jtune.data;

import dev.jtune.data.clean.CleaningConfig;
import java.nio.file.Path;
import java.util.Objects;

/** Everything {@link DatasetPreparer} needs: where rows come from, how to clean and split them, where to write. */
public record PrepareConfig(TextSource source, CleaningConfig cleaning, SplitConfig split, Path out) {
  public PrepareConfig {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(cleaning, "cleaning");
    Objects.requireNonNull(split, "split");
    Objects.requireNonNull(out, "out");
  }
}
