package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuInfoTest {
  private static final String TWO_PROCESSORS = """
      processor\t: 0
      vendor_id\t: AuthenticAMD
      model name\t: AMD EPYC 9R14
      flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512_bf16 avx512_vnni
      
      processor\t: 1
      model name\t: AMD EPYC 9R14
      flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw avx512_bf16 avx512_vnni
      """;

  @Test
  void readsTheModelAndFlagsOfTheFirstProcessor() {
    CpuInfo cpu = CpuInfo.parse(TWO_PROCESSORS);
    assertEquals("AMD EPYC 9R14", cpu.model());
    assertTrue(cpu.flags().contains("avx512_bf16"));
    assertTrue(cpu.hasBf16DotProducts());
    assertEquals(List.of("avx", "avx2", "avx512_bf16", "avx512_vnni", "avx512bw", "avx512f"), cpu.vectorFlags());
  }

  @Test
  void bf16DotProductsNeedAvx512Bf16OrAmxBf16() {
    assertFalse(CpuInfo.parse("model name: X\nflags: avx2 fma avx512f avx512bw\n").hasBf16DotProducts(), "AVX-512 without BF16");
    assertTrue(CpuInfo.parse("model name: X\nflags: avx2 amx_tile amx_bf16\n").hasBf16DotProducts(), "AMX");
    assertFalse(CpuInfo.parse("model name: X\nflags: avx2 amx_tile amx_int8\n").hasBf16DotProducts(), "AMX without bf16");
  }

  @Test
  void anUnreadableFileIsAnUnknownCpuWithoutFlags(@TempDir Path dir) throws Exception {
    CpuInfo missing = CpuInfo.read(dir.resolve("cpuinfo"));
    assertEquals(new CpuInfo("unknown", Set.of()), missing);
    assertFalse(missing.hasBf16DotProducts());
    Path noFlags = Files.writeString(dir.resolve("arm"), "processor : 0\nBogoMIPS : 50.00\n");
    assertEquals(new CpuInfo("unknown", Set.of()), CpuInfo.read(noFlags));
  }
}
