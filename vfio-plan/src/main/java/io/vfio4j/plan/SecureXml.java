package io.vfio4j.plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Parses XML with the JDK's SAX parser into {@link XmlElement}s that remember their position. A
 * DOCTYPE is refused outright, so no external entity, DTD or schema is ever fetched and no entity
 * expansion can blow up.
 */
final class SecureXml {
    private SecureXml() {}

    static XmlElement parse(InputStream in, String file) {
        SAXParser parser = newParser(file);
        TreeBuilder handler = new TreeBuilder(file);
        try {
            InputSource source = new InputSource(in);
            parser.parse(source, handler);
        } catch (SAXParseException e) {
            throw new PlanInputException(
                    file,
                    Math.max(e.getLineNumber(), 0),
                    Math.max(e.getColumnNumber(), 0),
                    plain(e.getMessage()));
        } catch (SAXException e) {
            throw new PlanInputException(file, 0, 0, plain(e.getMessage()));
        } catch (IOException e) {
            throw new PlanInputException(file, 0, 0, "cannot read: " + e.getMessage());
        }
        return handler.root;
    }

    /** The parser's message without a trailing period. */
    private static String plain(String message) {
        if (message == null || message.isBlank()) {
            return "malformed XML";
        }
        String m = message.strip();
        return m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
    }

    private static SAXParser newParser(String file) {
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(true);
            f.setValidating(false);
            f.setXIncludeAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParser p = f.newSAXParser();
            p.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            p.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return p;
        } catch (ParserConfigurationException | SAXException e) {
            throw new PlanInputException(file, 0, 0, "no secure XML parser: " + e.getMessage());
        }
    }

    private static final class TreeBuilder extends DefaultHandler {
        private final String file;
        private final Deque<Open> stack = new ArrayDeque<>();
        private Locator locator;
        private XmlElement root;

        TreeBuilder(String file) {
            this.file = file;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public InputSource resolveEntity(String publicId, String systemId) {
            // Unreachable with DOCTYPE refused; never a fetch if it were reached.
            return new InputSource(new StringReader(""));
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes atts) {
            Map<String, String> a = new HashMap<>();
            for (int i = 0; i < atts.getLength(); i++) {
                String n = atts.getLocalName(i);
                a.put(n == null || n.isEmpty() ? atts.getQName(i) : n, atts.getValue(i));
            }
            int line = locator == null ? 0 : locator.getLineNumber();
            int col = locator == null ? 0 : locator.getColumnNumber();
            String name = local == null || local.isEmpty() ? qName : local;
            stack.push(new Open(uri == null ? "" : uri, name, a, line, col));
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!stack.isEmpty()) {
                stack.peek().text.append(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String local, String qName) {
            Open o = stack.pop();
            XmlElement e =
                    new XmlElement(
                            o.ns,
                            o.name,
                            o.attrs,
                            o.children,
                            o.text.toString(),
                            file,
                            o.line,
                            o.col);
            if (stack.isEmpty()) {
                root = e;
            } else {
                stack.peek().children.add(e);
            }
        }
    }

    private static final class Open {
        final String ns;
        final String name;
        final Map<String, String> attrs;
        final int line;
        final int col;
        final List<XmlElement> children = new ArrayList<>();
        final StringBuilder text = new StringBuilder();

        Open(String ns, String name, Map<String, String> attrs, int line, int col) {
            this.ns = ns;
            this.name = name;
            this.attrs = attrs;
            this.line = line;
            this.col = col;
        }
    }
}
