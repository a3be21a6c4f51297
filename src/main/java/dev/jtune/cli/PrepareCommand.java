package dev.jtune.cli;

import dev.jtune.data.DatasetPreparer;
import dev.jtune.data.PrepareConfig;
import dev.jtune.data.PrepareReport;
import dev.jtune.data.SplitConfig;
import dev.jtune.data.TextSource;
import dev.jtune.data.clean.CleaningConfig;
import dev.jtune.data.clean.Placeholder;
import dev.jtune.data.source.DelimitedSource;
import dev.jtune.data.source.JsonlSource;
import dev.jtune.data.source.SotuSource;
import dev.jtune.data.source.SpamAssassinSource;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jtune prepare}: clean, label and split a labeled text source into a dataset folder. */
@Command(
    name = "prepare",
    mixinStandardHelpOptions = true,
    description = "Clean, label and split labeled text into datasets/<name>/{train,val,test}.csv, labels.txt, prepare-report.json.",
    subcommands = {
      PrepareCommand.Csv.class,
      PrepareCommand.Tsv.class,
      PrepareCommand.Jsonl.class,
      PrepareCommand.SpamAssassin.class,
      PrepareCommand.Sotu.class
    })
public final class PrepareCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "choose an input kind: csv, tsv, jsonl, spamassassin or sotu");
  }

  /** Options every input kind shares: output, cleaning, splitting. */
  static final class CommonOptions {
    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder, written atomically. An existing "
        + "folder is replaced only when it is a dataset jtune wrote and holds nothing else; others are refused.")
    Path out;

    @Option(names = "--force", description = "Replace the jtune dataset in --out even if it was changed (files you added to it are kept).")
    boolean force;

    @Option(names = "--lowercase", description = "Lowercase all text (default: keep case).")
    boolean lowercase;

    @Option(
        names = "--placeholders",
        split = ",",
        paramLabel = "KIND",
        converter = PlaceholderName.class,
        description = "Replace these by a token: url -> [URL], email -> [EMAIL], number -> [NUMBER] (comma-separated; default: none).")
    Set<Placeholder> placeholders = EnumSet.noneOf(Placeholder.class);

    @Option(names = "--max-chars", paramLabel = "N", defaultValue = "" + CleaningConfig.DEFAULT_MAX_CHARS,
        description = "Cap each text at N characters, 0 = no cap (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(names = "--min-words", paramLabel = "N", description = "Drop texts with fewer words (default: 0 = keep all non-empty; sotu: 8).")
    Integer minWords;

    @Option(names = "--split", paramLabel = "TRAIN,VAL,TEST", defaultValue = "0.8,0.1,0.1",
        description = "Share of rows for train, val and test, summing to 1 (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + SplitConfig.DEFAULT_SEED,
        description = "Seed of the split; same input and seed give byte-identical files (default: ${DEFAULT-VALUE}).")
    long seed;

    PrepareConfig config(TextSource source, int defaultMinWords) {
      try {
        double[] ratios = Arrays.stream(split.split(",")).mapToDouble(r -> Double.parseDouble(r.strip())).toArray();
        if (ratios.length != 3) throw new IllegalArgumentException("--split needs three numbers, e.g. 0.8,0.1,0.1");
        CleaningConfig cleaning =
            new CleaningConfig(lowercase, placeholders, maxChars, minWords == null ? defaultMinWords : minWords);
        return new PrepareConfig(source, cleaning, new SplitConfig(ratios[0], ratios[1], ratios[2], seed), out);
      } catch (NumberFormatException e) {
        throw new ParameterException(spec.commandLine(), "--split takes three numbers, e.g. 0.8,0.1,0.1; got " + split);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    void prepare(TextSource source, int defaultMinWords, Path in) {
      long start = System.nanoTime();
      PrepareConfig config = config(source, defaultMinWords);
      // checked before the input is read: a refused --out costs nothing
      OutputFolder target = OutputFolder.claim(out, ArtifactKind.DATASET, ProtectedPaths.of(in), force, "--out");
      PrepareReport report = new DatasetPreparer(config).prepare(target);
      var outStream = spec.commandLine().getOut();
      outStream.print(report.table());
      outStream.printf("wrote %s in %.1f s%n", out, (System.nanoTime() - start) / 1e9);
      outStream.flush();
    }
  }

  /** Reads placeholder kinds written in lowercase, as shown in the help. */
  static final class PlaceholderName implements ITypeConverter<Placeholder> {
    @Override
    public Placeholder convert(String value) {
      try {
        return Placeholder.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not one of url, email, number");
      }
    }
  }

  /** Column options of the generic file formats. */
  static final class ColumnOptions {
    @Option(names = "--in", required = true, paramLabel = "FILE", description = "Input file (UTF-8).")
    Path in;

    @Option(names = "--text-col", paramLabel = "NAME", defaultValue = "text", description = "Column (or JSON field) holding the text (default: ${DEFAULT-VALUE}).")
    String textCol;

    @Option(names = "--label-col", paramLabel = "NAME", defaultValue = "label", description = "Column (or JSON field) holding the label (default: ${DEFAULT-VALUE}).")
    String labelCol;

    @Option(names = "--group-col", paramLabel = "NAME", description = "Column (or JSON field) grouping rows that must stay in one split, e.g. a thread or document id (default: none).")
    String groupCol;
  }

  @Command(name = "csv", mixinStandardHelpOptions = true,
      description = "Prepare a CSV file with a header row (RFC 4180 quoting, UTF-8).")
  static final class Csv implements Runnable {
    @Mixin ColumnOptions columns;
    @Mixin CommonOptions common;

    @Override
    public void run() {
      common.prepare(DelimitedSource.csv(columns.in, columns.textCol, columns.labelCol, columns.groupCol), 0, columns.in);
    }
  }

  @Command(name = "tsv", mixinStandardHelpOptions = true,
      description = "Prepare a tab-separated file with a header row (UTF-8; no quoting: fields cannot contain tabs).")
  static final class Tsv implements Runnable {
    @Mixin ColumnOptions columns;
    @Mixin CommonOptions common;

    @Override
    public void run() {
      common.prepare(DelimitedSource.tsv(columns.in, columns.textCol, columns.labelCol, columns.groupCol), 0, columns.in);
    }
  }

  @Command(name = "jsonl", mixinStandardHelpOptions = true,
      description = "Prepare a JSON Lines file (one JSON object per line, UTF-8).")
  static final class Jsonl implements Runnable {
    @Mixin ColumnOptions columns;
    @Mixin CommonOptions common;

    @Override
    public void run() {
      common.prepare(new JsonlSource(columns.in, columns.textCol, columns.labelCol, columns.groupCol), 0, columns.in);
    }
  }

  @Command(name = "spamassassin", mixinStandardHelpOptions = true,
      description = "Prepare the SpamAssassin mail corpus (folders easy-ham-1, spam-2, ... of raw messages): ham/spam, grouped by thread.")
  static final class SpamAssassin implements Runnable {
    @Option(names = "--in", required = true, paramLabel = "DIR", description = "The corpus data folder (holding easy-ham-1/, spam-1/, ...).")
    Path in;

    @Mixin CommonOptions common;

    @Override
    public void run() {
      common.prepare(new SpamAssassinSource(in), 0, in);
    }
  }

  @Command(name = "sotu", mixinStandardHelpOptions = true,
      description = "Prepare the State of the Union corpus: sentences labeled Republican/Democratic, grouped by speech.")
  static final class Sotu implements Runnable {
    static final int MIN_WORDS = 8;

    @Option(names = "--in", required = true, paramLabel = "DIR", description = "The sotu folder (holding data/*.json).")
    Path in;

    @Mixin CommonOptions common;

    @Override
    public void run() {
      common.prepare(new SotuSource(in), MIN_WORDS, in);
    }
  }
}
