package dev.jtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** docs/serving.md's `jtune serve` table lists every option with the default the command has. */
class ServeCommandTest {
  @Test
  void docsListEveryServeOptionWithItsDefault() throws Exception {
    String docs = Files.readString(Path.of("docs/serving.md"));
    int checked = 0;
    for (OptionSpec o : new CommandLine(new ServeCommand()).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) continue;
      Matcher m = Pattern.compile("(?m)^\\| `" + Pattern.quote(o.longestName()) + "` \\| ([^|]*) \\|").matcher(docs);
      assertTrue(m.find(), "docs/serving.md has no row for " + o.longestName());
      if (o.defaultValue() != null) assertEquals(o.defaultValue(), m.group(1).strip().replace("`", ""), o.longestName());
      checked++;
    }
    assertTrue(checked >= 18, "options checked: " + checked);
  }
}
