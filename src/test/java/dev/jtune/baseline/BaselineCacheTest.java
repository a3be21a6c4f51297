package dev.jtune.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.data.PreparedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline's per-dataset cache: reused while data and settings stay the same, computed again otherwise. */
class BaselineCacheTest {
  @TempDir Path dir;

  @Test
  void aSecondLookupOnUnchangedDataReadsTheCachedResult() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    Path cache = dir.resolve(".feature-cache");
    BaselineCache.Lookup first = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);
    assertFalse(first.cached());
    assertTrue(Files.isRegularFile(first.file()));
    assertEquals(cache, first.file().getParent());
    assertTrue(first.file().getFileName().toString().matches("baseline-[0-9a-f]{64}\\.json"), first.file().toString());

    BaselineCache.Lookup second = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);
    assertTrue(second.cached());
    assertEquals(first.file(), second.file());
    assertEquals(first.result().chosenC(), second.result().chosenC());
    assertEquals(first.result().candidates(), second.result().candidates());
    assertEquals(first.result().test().macroF1(), second.result().test().macroF1());
    assertEquals(first.result().validation().perClass(), second.result().validation().perClass());
    assertEquals(first.result().fitSeconds(), second.result().fitSeconds(), "the stored result, not a new fit");
  }

  @Test
  void aChangedDataFileOrSettingIsComputedAgain() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    Path cache = dir.resolve("cache");
    BaselineCache.Lookup before = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);

    Files.writeString(data.resolve("test.csv"), "bad film cast,neg\n", StandardOpenOption.APPEND);
    BaselineCache.Lookup after = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);
    assertFalse(after.cached(), "test.csv changed");
    assertNotEquals(before.file(), after.file());
    assertEquals(before.result().test().examples() + 1, after.result().test().examples());

    BaselineCache.Lookup otherC = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.withC(List.of(3.0)), cache);
    assertFalse(otherC.cached(), "other C values");
    assertEquals(3.0, otherC.result().chosenC());
    assertEquals(3, Files.list(cache).count(), "one file per (data, settings)");
  }

  @Test
  void anUnreadableCacheFileIsComputedAgainAndReplaced() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    Path cache = dir.resolve("cache");
    BaselineCache.Lookup first = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);
    Files.writeString(first.file(), "{\"method\": \"cut sh");
    BaselineCache.Lookup again = BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache);
    assertFalse(again.cached());
    assertTrue(BaselineCache.resultFor(PreparedDataset.load(data), BaselineSettings.defaults(), cache).cached());
  }
}
