package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GroupStratifiedSplitterTest {
  /** 3 labels with 60/30/10 shares; rows in groups of 1-20 rows of mixed labels. */
  private static final int N = 6000;

  private static int[] labels(long seed) {
    Random r = new Random(seed);
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      double u = r.nextDouble();
      labels[i] = u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
    }
    return labels;
  }

  private static List<String> groups(long seed) {
    Random r = new Random(seed);
    List<String> groups = new ArrayList<>();
    int g = 0;
    while (groups.size() < N) {
      int size = 1 + r.nextInt(20);
      for (int i = 0; i < size && groups.size() < N; i++) groups.add("g" + g);
      g++;
    }
    return groups;
  }

  @Test
  void stratifiesUngroupedRowsAlmostExactly() {
    int[] labels = labels(1);
    Split[] split = new GroupStratifiedSplitter(SplitConfig.defaults()).assign(labels, nulls(N), 3);
    long[][] counts = counts(labels, split);
    long[] totals = {count(labels, 0), count(labels, 1), count(labels, 2)};
    for (Split s : Split.values()) {
      for (int l = 0; l < 3; l++) {
        double expected = SplitConfig.defaults().ratio(s) * totals[l];
        assertTrue(Math.abs(counts[s.ordinal()][l] - expected) <= 1.0, s + " label " + l + ": " + counts[s.ordinal()][l] + " vs " + expected);
      }
    }
  }

  @Test
  void keepsEveryGroupInOneSplitAndStaysCloseToTheRatios() {
    int[] labels = labels(2);
    List<String> groups = groups(3);
    Split[] split = new GroupStratifiedSplitter(new SplitConfig(0.7, 0.15, 0.15, 7)).assign(labels, groups, 3);
    Map<String, Split> splitOfGroup = new HashMap<>();
    for (int i = 0; i < N; i++) {
      Split previous = splitOfGroup.putIfAbsent(groups.get(i), split[i]);
      assertTrue(previous == null || previous == split[i], "group " + groups.get(i) + " spans two splits");
    }
    long[][] counts = counts(labels, split);
    for (int l = 0; l < 3; l++) {
      long total = count(labels, l);
      double valShare = (double) counts[Split.VAL.ordinal()][l] / total;
      assertEquals(0.15, valShare, 0.03, "val share of label " + l);
    }
  }

  @Test
  void isDeterministicForASeedAndChangesWithTheSeed() {
    int[] labels = labels(4);
    List<String> groups = groups(5);
    Split[] a = new GroupStratifiedSplitter(new SplitConfig(0.8, 0.1, 0.1, 11)).assign(labels, groups, 3);
    Split[] b = new GroupStratifiedSplitter(new SplitConfig(0.8, 0.1, 0.1, 11)).assign(labels, groups, 3);
    Split[] c = new GroupStratifiedSplitter(new SplitConfig(0.8, 0.1, 0.1, 12)).assign(labels, groups, 3);
    assertArrayEquals(a, b);
    assertFalse(Arrays.equals(a, c));
  }

  @Test
  void givesEachSplitARowOfARareLabelWhenItCan() {
    int[] labels = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    Split[] split = new GroupStratifiedSplitter(SplitConfig.defaults()).assign(labels, nulls(labels.length), 2);
    long[][] counts = counts(labels, split);
    for (Split s : Split.values()) assertEquals(1, counts[s.ordinal()][1], s.id());
  }

  @Test
  void leavesASplitWithRatioZeroEmpty() {
    int[] labels = labels(6);
    Split[] split = new GroupStratifiedSplitter(new SplitConfig(0.9, 0.1, 0.0, 1)).assign(labels, nulls(N), 3);
    assertFalse(Arrays.asList(split).contains(Split.TEST));
  }

  @Test
  void validatesRatios() {
    assertThrows(IllegalArgumentException.class, () -> new SplitConfig(0.8, 0.1, 0.2, 1));
    assertThrows(IllegalArgumentException.class, () -> new SplitConfig(0, 0.5, 0.5, 1));
    assertThrows(IllegalArgumentException.class, () -> new SplitConfig(1.1, -0.1, 0, 1));
  }

  private static List<String> nulls(int n) {
    return Arrays.asList(new String[n]);
  }

  private static long count(int[] labels, int label) {
    return Arrays.stream(labels).filter(l -> l == label).count();
  }

  private static long[][] counts(int[] labels, Split[] split) {
    long[][] counts = new long[3][3];
    for (int i = 0; i < labels.length; i++) counts[split[i].ordinal()][labels[i]]++;
    return counts;
  }
}
