//! Pathological feed documents of a given size, shared by the hostile-feed tests and the bench:
//! each repeats one construct that a naive cleaner or repair step handles in quadratic time
//! (unterminated comments, tag starts without `>`, entity chains, nested CDATA, long entity
//! runs), in every field a feed item has, and one mixes them all.

/// Name and body of each case, `size` bytes or a little more.
pub fn cases(size: usize) -> Vec<(&'static str, Vec<u8>)> {
    let fill = |unit: &str| unit.repeat(size / unit.len() + 1);
    vec![
        ("comment starts in CDATA", one_item(&format!("<![CDATA[{}]]>", fill("<!--")))),
        ("tag starts without >", one_item(&fill("&lt;b x"))),
        ("tag starts in CDATA", one_item(&format!("<![CDATA[{}]]>", fill("<b x")))),
        ("double-encoded entities", one_item(&fill("&amp;amp;"))),
        ("entity chain", one_item(&format!("&amp;{}", fill("amp;")))),
        ("nested CDATA", one_item(&format!("<![CDATA[{}]]>", fill("<![CDATA[")))),
        ("long entity runs", one_item(&fill("&#x41;&nbsp;&#0;&lt;&bogus;&#xD800;"))),
        ("unterminated escapes", one_item(&format!("<![CDATA[{}]]>", fill("\u{1b}]8;;\u{1b}[")))),
        ("prolog declarations", prolog(size)),
        ("every field", every_field(size)),
        ("many small items", many_items(size)),
        ("mixed", mixed(size)),
        ("deep nesting", one_item(&format!("{}x", "<b>".repeat(size / 3)))),
        ("broken after many items", broken(size)),
        ("nested blocks in every text", texts(size, "<div><blockquote>")),
        ("open list items in every text", texts(size, "<ul><li>x<li>")),
        ("paragraphs in every text", texts(size, "<p>x")),
        ("misnested formatting in every text", texts(size, "<b><i><p><u></b><s>")),
        ("a four-megabyte article", one_text(size, "<div><table><tr><td><ul><li>x&amp;")),
        ("json articles", json_articles(size)),
    ]
}

fn one_item(text: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <item><title>{text}</title><link>https://example.com/a</link></item>\
         <item><title>after</title><link>https://example.com/b</link></item></channel></rss>"
    )
    .into_bytes()
}

/// `<!x>` declarations before the root, each of which a prolog scan could search past.
fn prolog(size: usize) -> Vec<u8> {
    let mut doc = "<!x>".repeat(size / 4);
    doc.push_str("<rss version=\"2.0\"><channel><item><title>after</title></item></channel></rss>");
    doc.into_bytes()
}

/// One hostile run split over feed title, item title, description, guid, link, source, author.
fn every_field(size: usize) -> Vec<u8> {
    let part = size / 7;
    let run = |unit: &str| unit.repeat(part / unit.len() + 1);
    format!(
        "<rss version=\"2.0\"><channel><title>{}</title><item><title>{}</title>\
         <description><![CDATA[{}]]></description><guid>{}</guid><link>https://example.com/{}</link>\
         <source url=\"https://example.com\">{}</source><author>{}</author></item>\
         <item><title>after</title></item></channel></rss>",
        run("&lt;b x"),
        run("&amp;amp;"),
        run("<!--<b x"),
        run("&lt;!--"),
        run("a"),
        run("&lt;i "),
        run("&#x1b;["),
    )
    .into_bytes()
}

/// Thousands of items whose titles and descriptions each hold a little of every construct.
fn many_items(size: usize) -> Vec<u8> {
    let item = "<item><title><![CDATA[<!--<b x&lt;i &amp;amp;<![CDATA[]]> &lt;b x &amp;amp;amp;</title>\
                <description>&lt;!-- &lt;p x &#x1b;]52;</description><guid>g</guid></item>";
    let mut doc = String::from("<rss version=\"2.0\"><channel><title>t</title>");
    for i in 0..size / item.len() {
        doc.push_str(&item.replace("<guid>g", &format!("<guid>g{i}")));
    }
    doc.push_str("</channel></rss>");
    doc.into_bytes()
}

fn mixed(size: usize) -> Vec<u8> {
    let unit = "<!--&lt;b x&amp;amp;<![CDATA[&#x41;&nbsp;<b x\u{1b}[";
    one_item(&format!("<![CDATA[{}]]>", unit.repeat(size / unit.len() + 1)))
}

/// Many items, then a broken tail: the parser fails and salvage re-parses cut documents.
fn broken(size: usize) -> Vec<u8> {
    let mut doc = many_items(size);
    doc.truncate(doc.len() - 20);
    doc.extend_from_slice(b"<item><title>&</t></item>");
    doc
}

/// Items whose descriptions are each 64 KiB of `unit` (HTML in CDATA, as real feeds send it):
/// what the reader's text costs when every item is hostile.
fn texts(size: usize, unit: &str) -> Vec<u8> {
    let body = unit.repeat(64 * 1024 / unit.len());
    let mut doc = String::from("<rss version=\"2.0\"><channel><title>t</title>");
    let mut i = 0;
    while doc.len() < size {
        i += 1;
        doc.push_str(&format!(
            "<item><title>Story {i}</title><guid>g{i}</guid><description><![CDATA[{body}]]></description></item>"
        ));
    }
    doc.push_str("</channel></rss>");
    doc.into_bytes()
}

/// One item whose full text is the whole document (escaped HTML), then a plain item.
fn one_text(size: usize, unit: &str) -> Vec<u8> {
    let escaped = unit.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>Long</title>\
         <description>{}</description></item>\
         <item><title>after</title><link>https://example.com/b</link></item></channel></rss>",
        escaped.repeat(size / escaped.len())
    )
    .into_bytes()
}

/// A JSON Feed (not cut by the XML repair pass) whose items carry hostile articles.
fn json_articles(size: usize) -> Vec<u8> {
    let html = "<div><ul><li>x".repeat(256 * 1024 / 14);
    let mut items = Vec::new();
    let mut len = 0;
    let mut i = 0;
    while len < size {
        i += 1;
        let item = format!("{{\"id\":\"j{i}\",\"title\":\"Article {i}\",\"content_html\":\"{html}\"}}");
        len += item.len();
        items.push(item);
    }
    format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{}]}}",
        items.join(",")
    )
    .into_bytes()
}
