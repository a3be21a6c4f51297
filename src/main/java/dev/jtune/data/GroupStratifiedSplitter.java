package dev.jtune.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Assigns rows to train/val/test so that every split gets about its share of every label
 * (stratified) while all rows of a group land in the same split (group-aware). Rows without a group
 * are groups of one.
 *
 * <p>Groups are visited in an order shuffled by the seed; each goes to the split that most needs
 * its labels, measured as the remaining fraction of each label's target count in that split. The
 * result depends only on the rows' order, labels, groups and the seed.
 */
public final class GroupStratifiedSplitter {
  private final SplitConfig config;

  public GroupStratifiedSplitter(SplitConfig config) {
    this.config = config;
  }

  /**
   * @param labels class id of each row
   * @param groups group of each row ({@code null} = its own group)
   * @param numLabels number of classes
   * @return the split of each row
   */
  public Split[] assign(int[] labels, List<String> groups, int numLabels) {
    int n = labels.length;
    if (groups.size() != n) throw new IllegalArgumentException("labels and groups differ in length");
    List<int[]> members = groupMembers(groups);
    Collections.shuffle(members, new Random(config.seed()));

    Split[] splits = Split.values();
    double[][] target = new double[splits.length][numLabels];
    long[] total = new long[numLabels];
    for (int label : labels) total[label]++;
    for (Split s : splits) {
      for (int l = 0; l < numLabels; l++) target[s.ordinal()][l] = config.ratio(s) * total[l];
    }
    double[][] current = new double[splits.length][numLabels];
    Split[] assignment = new Split[n];
    int[] counts = new int[numLabels];
    for (int[] group : members) {
      Arrays.fill(counts, 0);
      for (int row : group) counts[labels[row]]++;
      Split best = null;
      double bestNeed = Double.NEGATIVE_INFINITY;
      for (Split s : splits) {
        if (config.ratio(s) == 0) continue;
        double need = 0;
        for (int l = 0; l < numLabels; l++) {
          if (counts[l] == 0) continue;
          double t = target[s.ordinal()][l];
          need += counts[l] * (t - current[s.ordinal()][l]) / t;
        }
        if (need > bestNeed + 1e-12) {
          bestNeed = need;
          best = s;
        }
      }
      for (int row : group) assignment[row] = best;
      for (int l = 0; l < numLabels; l++) current[best.ordinal()][l] += counts[l];
    }
    return assignment;
  }

  /** Row indices of each group, groups in order of first appearance. */
  private static List<int[]> groupMembers(List<String> groups) {
    // An ungrouped row is keyed by its Integer index, which can never equal a String group name.
    Map<Object, List<Integer>> byGroup = new LinkedHashMap<>();
    for (int row = 0; row < groups.size(); row++) {
      String g = groups.get(row);
      byGroup.computeIfAbsent(g == null ? Integer.valueOf(row) : g, k -> new ArrayList<>()).add(row);
    }
    List<int[]> members = new ArrayList<>(byGroup.size());
    for (List<Integer> rows : byGroup.values()) members.add(rows.stream().mapToInt(Integer::intValue).toArray());
    return members;
  }
}
