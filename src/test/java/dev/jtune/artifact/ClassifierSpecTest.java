package dev.jtune.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code classifier.json} carries the truncation strategy and head+tail's head length. */
class ClassifierSpecTest {
  @TempDir Path dir;

  private ClassifierSpec read(String json) throws Exception {
    return ClassifierSpec.read(Files.writeString(dir.resolve(ClassifierSpec.FILE_NAME), json));
  }

  private static String spec(String truncationFields) {
    return "{\"pooling\":\"mean\",\"labels\":[\"ham\",\"spam\"],\"max_seq_len\":256" + truncationFields + "}";
  }

  @Test
  void aFileWithoutTruncationReadsAsHead() throws Exception {
    ClassifierSpec s = read(spec(""));
    assertEquals(Truncation.HEAD, s.truncation());
    assertEquals(0, s.headTokens());
  }

  @Test
  void headTailWithoutHeadTokensReadsWithTheAutoHead() throws Exception {
    ClassifierSpec s = read(spec(",\"truncation\":\"head+tail\""));
    assertEquals(Truncation.HEAD_TAIL, s.truncation());
    assertEquals(64, s.headTokens(), "a quarter of 254");
    assertEquals(100, read(spec(",\"truncation\":\"head+tail\",\"head_tokens\":100")).headTokens());
  }

  @Test
  void headTokensAreWrittenOnlyForHeadTail() throws Exception {
    Path file = dir.resolve("out.json");
    ClassifierSpec base = new ClassifierSpec(Pooling.MEAN, 1, List.of("ham", "spam"), 256);
    base.withTruncation(Truncation.TAIL, -1).write(file);
    String tail = Files.readString(file);
    assertTrue(tail.contains("\"truncation\" : \"tail\""), tail);
    assertFalse(tail.contains("head_tokens"), tail);
    ClassifierSpec headTail = base.withTruncation(Truncation.HEAD_TAIL, 30);
    headTail.write(file);
    assertTrue(Files.readString(file).contains("\"head_tokens\" : 30"), Files.readString(file));
    assertEquals(headTail, ClassifierSpec.read(file));
    assertEquals(64, base.withTruncation(Truncation.HEAD_TAIL, -1).headTokens());
  }

  @Test
  void aHeadLengthThatCannotBeIsRefusedNamingTheField() throws Exception {
    for (String bad : List.of("254", "300", "-5")) {
      String m = assertThrows(JtuneException.class, () -> read(spec(",\"truncation\":\"head+tail\",\"head_tokens\":" + bad))).getMessage();
      assertTrue(m.contains("head_tokens " + bad) && m.contains("between 1 and 253"), m);
    }
    String m = assertThrows(JtuneException.class, () -> read(spec(",\"truncation\":\"tail\",\"head_tokens\":10"))).getMessage();
    assertTrue(m.contains("only used by truncation head+tail"), m);
    m = assertThrows(JtuneException.class, () -> read(spec(",\"truncation\":\"middle\""))).getMessage();
    assertTrue(m.contains("head, tail, head+tail"), m);
  }
}
