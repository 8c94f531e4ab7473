package io.tideway.topology.runtime;

import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** A deployment's settings as Java properties text: what {@code --config FILE} holds. */
public final class DeploymentSettings {

  private DeploymentSettings() {}

  /**
   * Parses properties text.
   *
   * @param text the properties, or null for none
   * @throws DeploymentException when the text is not valid properties
   */
  public static Map<String, String> parse(String text) {
    Map<String, String> settings = new TreeMap<>();
    if (text == null || text.isBlank()) {
      return settings;
    }
    Properties props = new Properties();
    try {
      props.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new DeploymentException("Settings are not valid properties: " + e.getMessage(), e);
    }
    props.stringPropertyNames().forEach(name -> settings.put(name, props.getProperty(name)));
    return settings;
  }
}
