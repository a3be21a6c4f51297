package dev.jtune.baseline;

import java.util.Arrays;

/**
 * One text as a sparse vector: the columns with a non-zero value, ascending, and their values.
 *
 * @param columns column indices, strictly ascending
 * @param values one value per column
 */
public record SparseRow(int[] columns, double[] values) {
  public SparseRow {
    if (columns.length != values.length) {
      throw new IllegalArgumentException(columns.length + " columns for " + values.length + " values");
    }
    for (int i = 1; i < columns.length; i++) {
      if (columns[i] <= columns[i - 1]) throw new IllegalArgumentException("columns must ascend: " + Arrays.toString(columns));
    }
  }

  /** Non-zero entries. */
  public int size() {
    return columns.length;
  }

  /** The value in {@code column} (0 when absent). */
  public double get(int column) {
    int i = Arrays.binarySearch(columns, column);
    return i < 0 ? 0 : values[i];
  }
}
