package dev.opal4j.server.rest;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /docs}: Swagger UI over {@code /openapi.json}, served from the {@code
 * org.webjars:swagger-ui} jar on the class path (no CDN: the page works on a machine without
 * internet access). The page and its start-up script are opal4j's; the UI's files are the webjar's,
 * served by Vert.x's {@link StaticHandler} under {@code /docs/}. Handlers run on the event loop.
 */
final class ApiDocsPage {
  private static final Logger log = LoggerFactory.getLogger(ApiDocsPage.class);
  static final String ROUTE = "/docs";
  private static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";

  private ApiDocsPage() {}

  /** Adds the page and its assets to {@code router}; without the webjar, logs why and adds nothing. */
  static void mount(Router router) {
    String version = webjarVersion();
    if (version == null) {
      log.warn("the Swagger UI webjar is not on the class path: {} is not served", ROUTE);
      return;
    }
    String page = resource("docs.html");
    String script = resource("opal4j-docs.js");
    router.get(ROUTE).handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(page));
    router.get(ROUTE + "/").handler(ctx -> ctx.redirect(ROUTE));
    router.get(ROUTE + "/opal4j-docs.js").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/javascript; charset=utf-8").end(script));
    router.get(ROUTE + "/*").handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + version)
        .setDirectoryListing(false));
  }

  private static String webjarVersion() {
    try (InputStream in = ApiDocsPage.class.getClassLoader().getResourceAsStream(WEBJAR_PROPERTIES)) {
      if (in == null) {
        return null;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      return null;
    }
  }

  private static String resource(String name) {
    try (InputStream in = ApiDocsPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + name, e);
    }
  }
}
