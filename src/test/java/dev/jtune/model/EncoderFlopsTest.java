package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderFlopsTest {
  @Test
  void countsTheMatrixProductsOfEveryLayer() {
    BertConfig tiny = BertConfig.tiny(BertConfig.Pooler.MEAN); // hidden 32, 2 layers, 4 heads, inner 64
    // per layer on [2, 5]: qkv 2*10*32*96 + scores/context 4*10*5*32 + out 2*10*32*32 + ffn 4*10*32*64
    double layer = 2 * 10 * 32 * 96 + 4 * 10 * 5 * 32 + 2 * 10 * 32 * 32 + 4 * 10 * 32 * 64;
    assertEquals(layer, EncoderFlops.forward(tiny, 2, 5, 0, 1));
    assertEquals(2 * layer, EncoderFlops.forward(tiny, 2, 5));
    assertEquals(2 * layer + 2 * layer, EncoderFlops.trainingStep(tiny, 2, 5, 1), "the top layer trains: forward + 2x its forward");
    assertEquals(3 * 2 * layer, EncoderFlops.trainingStep(tiny, 2, 5, 0), "everything trains: the 3x rule");
  }

  @Test
  void prunedLayersCountWhatTheyKeep() {
    BertConfig tiny = BertConfig.tiny(BertConfig.Pooler.MEAN);
    BertConfig pruned = tiny.withLayerShapes(List.of(new BertConfig.LayerShape(1, 16), new BertConfig.LayerShape(4, 64)));
    double kept = 2 * 10 * 32 * 24 + 4 * 10 * 5 * 8 + 2 * 10 * 8 * 32 + 4 * 10 * 32 * 16;
    assertEquals(kept, EncoderFlops.forward(pruned, 2, 5, 0, 1));
    assertEquals(EncoderFlops.forward(tiny, 2, 5, 1, 2), EncoderFlops.forward(pruned, 2, 5, 1, 2));
  }

  @Test
  void aMatMulPeakIsMeasuredOnTheGivenShapes() {
    MatMulPeak.Measurement fp32 = MatMulPeak.measure(MatMulPeak.Precision.FP32, 64, 32, 64, 2, 2, 0);
    assertTrue(fp32.available() && fp32.gflops() > 0 && Double.isFinite(fp32.gflops()), fp32.toString());
    assertEquals(2 * 2.0 * (2.0 * 64 * 32 * 64), MatMulPeak.flops(64, 32, 64, 2));
    var cpuWithout = new dev.jtune.io.CpuInfo("test", java.util.Set.of("avx2"));
    var report = MatMulPeak.report(cpuWithout, 64, BertConfig.tiny(BertConfig.Pooler.MEAN), 0);
    assertEquals("[64,32]x[32,64]x[64,32]", report.get("shape"));
    assertTrue(report.get("fp32") instanceof Double d && d > 0, report.toString());
    assertFalse(report.get("bf16") instanceof Double, "no bf16 figure on a CPU without bf16 dot products: " + report);
  }
}
