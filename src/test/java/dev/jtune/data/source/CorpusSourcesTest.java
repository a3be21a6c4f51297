package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.data.CollectingSink;
import dev.jtune.data.DropReason;
import dev.jtune.data.RawRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two demo corpus readers, on small folders laid out like the real packages. */
class CorpusSourcesTest {
  @TempDir Path dir;

  private void write(Path file, String content) throws Exception {
    Files.createDirectories(file.getParent());
    Files.write(file, content.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void spamAssassinLabelsByCollectionAndGroupsByThread() throws Exception {
    write(dir.resolve("easy-ham-1/00001.aaa.txt"), "Subject: Re: [SAtalk] Razor servers\n\nis it down?\n");
    write(dir.resolve("easy-ham-1/00002.bbb.txt"), "Subject: Razor servers\n\nit is down.\n");
    write(dir.resolve("easy-ham-1/00002.bbb.json"), "{\"text\":\"ignored: the raw file wins\"}");
    write(dir.resolve("spam-2/00001.ccc.txt"), "From spammer  Mon Jan 1 2002\nSubject: FW: cheap meds\n\nbuy now\n");
    write(dir.resolve("spam-2/00002.ddd.json"), "{\"id\":\"00002\",\"text\":\"Subject: \\n\\nno subject here\"}");
    Files.writeString(dir.resolve("file_list.json"), "[]"); // loose files next to the folders are not messages

    List<RawRow> rows = CollectingSink.readAll(new SpamAssassinSource(dir)).rows;
    assertEquals(4, rows.size());
    assertEquals(List.of("ham", "ham", "spam", "spam"), rows.stream().map(RawRow::label).toList());
    assertEquals("thread:razor servers", rows.get(0).group());
    assertEquals(rows.get(0).group(), rows.get(1).group());
    assertEquals("Re: [SAtalk] Razor servers\nis it down?", rows.get(0).text().strip().replace("\r", ""));
    assertEquals("thread:cheap meds", rows.get(2).group());
    assertEquals("message:spam-2/00002.ddd", rows.get(3).group());
    assertEquals("no subject here", rows.get(3).text().strip());
  }

  @Test
  void threadKeysIgnoreReplyPrefixesListTagsAndCase() {
    assertEquals("thread:hello world", SpamAssassinSource.threadOf("RE: Fwd: [ILUG]  Hello   World", "x/1"));
    assertEquals("message:x/1", SpamAssassinSource.threadOf("Re: ", "x/1"));
  }

  @Test
  void sotuLabelsSentencesByPartyGroupsBySpeechAndCountsOtherParties() throws Exception {
    Path data = dir.resolve("sotu/data");
    Files.createDirectories(data);
    Files.writeString(data.resolve("1850_zachary_taylor_w.json"),
        "{\"year\":1850,\"name\":\"Zachary Taylor\",\"party\":\"Whig\",\"text\":\"First Whig sentence. Second one.\"}");
    Files.writeString(data.resolve("1961_john_f_kennedy_d.json"),
        "{\"year\":1961,\"name\":\"John F. Kennedy\",\"party\":\"Democratic\","
            + "\"text\":\"Mr. Speaker, the U.S. economy is strong. (Applause.) We will act.\"}");
    Files.writeString(data.resolve("1962_ronald_reagan_r.json"),
        "{\"year\":1982,\"name\":\"Ronald Reagan\",\"party\":\"Republican\",\"text\":\"Government is the problem.\"}");
    Files.writeString(data.resolve("1962_ronald_reagan_r.txt"), "not read");

    CollectingSink sink = CollectingSink.readAll(new SotuSource(dir.resolve("sotu")));
    assertEquals(Map.of(DropReason.OTHER_PARTY, 2), sink.dropped);
    assertEquals(List.of("Mr. Speaker, the U.S. economy is strong.", "We will act.", "Government is the problem."),
        sink.texts());
    assertEquals(List.of("Democratic", "Democratic", "Republican"), sink.rows.stream().map(RawRow::label).toList());
    assertEquals("1961_john_f_kennedy_d", sink.rows.get(0).group());
    assertTrue(sink.rows.get(2).origin().endsWith("1962_ronald_reagan_r.json:sentence 1"));
  }
}
