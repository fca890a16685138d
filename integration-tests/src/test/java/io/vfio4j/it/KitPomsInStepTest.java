package io.vfio4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The published kit POMs (vfio4j-bom, vfio4j-plugin-parent) stand outside the reactor parent, so
 * nothing inherits: this keeps their versions equal to the ones vfio4j itself is built and tested
 * with.
 */
class KitPomsInStepTest {
    private static final Path ROOT = Path.of(System.getProperty("vfio4j.root"));

    private static Element pom(String module) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder()
                .parse(ROOT.resolve(module).resolve("pom.xml").toFile())
                .getDocumentElement();
    }

    private static List<Element> children(Node parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static String text(Node parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0).getTextContent().strip();
    }

    private static Element path(Node from, String... names) {
        Node at = from;
        for (String name : names) {
            at = children(at, name).get(0);
        }
        return (Element) at;
    }

    private static String property(Element pom, String name) {
        return text(path(pom, "properties"), name);
    }

    /** artifactId to version of the build plugins in pluginManagement. */
    private static Map<String, String> pluginVersions(Element pom) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (Element p : children(path(pom, "build", "pluginManagement", "plugins"), "plugin")) {
            versions.put(text(p, "artifactId"), text(p, "version"));
        }
        return versions;
    }

    @Test
    void thePluginParentUsesTheVersionsVfio4jIsBuiltWith() throws Exception {
        Element root = pom(".");
        Element parent = pom("vfio4j-plugin-parent");
        String version = text(root, "version");
        assertThat(text(parent, "version")).isEqualTo(version);
        assertThat(property(parent, "vfio4j.version")).isEqualTo(version);
        for (String p : List.of("junit.version", "jqwik.version", "assertj.version")) {
            assertThat(property(parent, p)).as(p).isEqualTo(property(root, p));
        }
        assertThat(property(parent, "maven.compiler.release"))
                .isEqualTo(property(root, "maven.compiler.release"));
        Map<String, String> rootPlugins = pluginVersions(root);
        Map<String, String> kitPlugins = pluginVersions(parent);
        assertThat(kitPlugins)
                .containsKeys(
                        "maven-compiler-plugin",
                        "maven-surefire-plugin",
                        "maven-jar-plugin",
                        "maven-shade-plugin",
                        "maven-resources-plugin",
                        "maven-install-plugin");
        kitPlugins.forEach(
                (plugin, v) -> assertThat(v).as(plugin).isEqualTo(rootPlugins.get(plugin)));
    }

    @Test
    void theBomListsEveryPublishedArtifactAndTheSharedLoggingApi() throws Exception {
        Element root = pom(".");
        Element bom = pom("vfio4j-bom");
        assertThat(text(bom, "version")).isEqualTo(text(root, "version"));
        assertThat(property(bom, "slf4j.version")).isEqualTo(property(root, "slf4j.version"));
        Map<String, String> rootPlugins = pluginVersions(root);
        pluginVersions(bom)
                .forEach(
                        (plugin, v) -> assertThat(v).as(plugin).isEqualTo(rootPlugins.get(plugin)));

        Set<String> published = new TreeSet<>();
        for (Element module : children(path(root, "modules"), "module")) {
            String dir = module.getTextContent().strip();
            String source = Files.readString(ROOT.resolve(dir).resolve("pom.xml"));
            if (!source.contains("<maven.deploy.skip>true</maven.deploy.skip>")
                    && !dir.equals("vfio4j-bom")) {
                published.add("io.vfio4j:" + text(pom(dir), "artifactId"));
            }
        }
        Set<String> managed = new TreeSet<>();
        for (Element d :
                children(path(bom, "dependencyManagement", "dependencies"), "dependency")) {
            managed.add(text(d, "groupId") + ":" + text(d, "artifactId"));
            if (text(d, "groupId").equals("io.vfio4j")) {
                assertThat(text(d, "version")).isEqualTo("${project.version}");
            }
        }
        published.add("org.slf4j:slf4j-api");
        assertThat(managed).isEqualTo(published);
    }
}
