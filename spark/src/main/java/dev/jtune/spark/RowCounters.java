package dev.jtune.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/** Rows scored and rows kept unscored, counted across the cluster (Spark accumulators: a retried task may count twice). */
record RowCounters(LongAccumulator scored, LongAccumulator unscorable) implements Serializable {
  static RowCounters register(SparkContext sc) {
    return new RowCounters(sc.longAccumulator("jtune scored rows"), sc.longAccumulator("jtune unscorable rows"));
  }

  void add(long scoredRows, long unscorableRows) {
    scored.add(scoredRows);
    unscorable.add(unscorableRows);
  }
}
