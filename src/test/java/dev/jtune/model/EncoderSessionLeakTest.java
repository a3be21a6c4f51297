package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Forward calls release their native tensors: resident memory stays flat over 500 calls. */
class EncoderSessionLeakTest {

  private static long committedHeapMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20;
  }

  @Test
  void fiveHundredForwardCallsKeepResidentMemoryFlat() {
    BertConfig tiny = BertConfig.tiny(BertConfig.Pooler.MEAN);
    // 128 x 64 tokens: each call returns 1 MB of outputs, so leaking them would add 500 MB
    BertEncoderTest.TokenRows rows = BertEncoderTest.TokenRows.random(new Random(1), 128, 64, tiny.vocabSize());
    try (EncoderSession session = EncoderSession.open(new PretrainedEncoder(tiny, BertEncoderTest.randomWeights(tiny, 5)))) {
      // warm-up until the Java heap has touched its young generation, so RSS growth is native memory
      for (int i = 0; i < 300; i++) session.run(rows.batch, rows.seq, rows.ids, rows.mask, rows.types);
      long heapBefore = committedHeapMb();
      long before = EncoderBenchmark.rssMb();
      for (int i = 0; i < 500; i++) session.run(rows.batch, rows.seq, rows.ids, rows.mask, rows.types);
      // in a shared test JVM the Java heap may commit more pages meanwhile; that is not native memory
      long heapGrowth = Math.max(0, committedHeapMb() - heapBefore);
      long after = EncoderBenchmark.rssMb();
      long nativeGrowth = after - before - heapGrowth;
      System.out.printf("RSS before %d MB, after 500 forward calls %d MB (Java heap committed +%d MB)%n", before, after, heapGrowth);
      assertTrue(nativeGrowth <= 50, "RSS outside the Java heap grew by " + nativeGrowth + " MB over 500 calls");
    }
  }
}
