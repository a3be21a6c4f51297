package dev.jtune.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU as Linux describes it in {@code /proc/cpuinfo}: its model name and feature flags. Every
 * speed figure depends on them (AVX2 only, AVX-512, AVX512_BF16, AMX), so benchmarks print them,
 * and bf16 is only worth using where the CPU has bf16 dot products.
 *
 * @param model the first {@code model name} line, or "unknown"
 * @param flags the first {@code flags} line's words
 */
public record CpuInfo(String model, Set<String> flags) {
  /** Where Linux lists the CPU. */
  public static final Path PROC_CPUINFO = Path.of("/proc/cpuinfo");

  public CpuInfo {
    flags = Set.copyOf(flags);
  }

  /** This machine's CPU; {@code unknown} with no flags where {@code /proc/cpuinfo} cannot be read (not Linux). */
  public static CpuInfo local() {
    return read(PROC_CPUINFO);
  }

  /** The CPU described by a file in {@code /proc/cpuinfo}'s format; unknown with no flags if it cannot be read. */
  public static CpuInfo read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      return new CpuInfo("unknown", Set.of());
    }
  }

  /** Parses {@code /proc/cpuinfo} text (the first processor's lines count; all processors of a machine agree). */
  public static CpuInfo parse(String text) {
    String model = null, flags = null;
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) continue;
      String key = line.substring(0, colon).trim();
      if (model == null && key.equals("model name")) model = line.substring(colon + 1).trim();
      if (flags == null && key.equals("flags")) flags = line.substring(colon + 1).trim();
    }
    return new CpuInfo(model == null ? "unknown" : model,
        flags == null || flags.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(flags.split("\\s+"))));
  }

  /** Whether the CPU multiplies bfloat16 natively: AVX512_BF16 or AMX-BF16 (what makes bf16 faster than fp32). */
  public boolean hasBf16DotProducts() {
    return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
  }

  /** The vector-unit flags that decide the speed (avx*, amx*), sorted. */
  public List<String> vectorFlags() {
    return new TreeSet<>(flags.stream().filter(f -> f.startsWith("avx") || f.startsWith("amx")).toList()).stream().toList();
  }
}
