package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cheap count that gives jtune score's progress bar its total: the records the reader will read. */
class CsvRecordCountTest {
  @TempDir Path tmp;

  private long count(String csv) throws Exception {
    Path f = tmp.resolve("in.csv");
    Files.writeString(f, csv);
    return CsvRecordReader.countRecords(f);
  }

  /** What the reader itself returns, rows and rejects, for the same text. */
  private static long read(String csv) {
    CsvRecordReader r = new CsvRecordReader(Path.of("in.csv"), new BufferedReader(new StringReader(csv)));
    long n = 0;
    while (r.next() != null) n++;
    return n;
  }

  @Test
  void countsRecordsNotLines() throws Exception {
    for (String csv : new String[] {
        "id,text\n1,a\n2,b\n",
        "id,text\n1,a\n2,b",                                    // no final line break
        "id,text\r\n1,a\r\n2,\"b\r\nstill b\"\r\n3,c\r\n",      // CRLF, a quoted line break
        "id,text\n\n1,\"say \"\"hi\"\"\nthere\"\n\n2,b\n\n",     // blank lines, escaped quotes
        "id,text\n1,a,extra\n2,b\n",                             // a reject is counted too
        "id,text\n"}) {
      assertEquals(read(csv), count(csv), csv);
    }
    assertEquals(3, count("id,text\r\n1,a\r\n2,\"b\r\nstill b\"\r\n3,c\r\n"));
    assertEquals(0, count(""));
  }
}
