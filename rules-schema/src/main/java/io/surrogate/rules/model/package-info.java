/**
 * The JAXB model of a rule file: one {@code *Element} class per schema element, each knowing
 * where it stands in its file. Unprefixed elements fall in the default namespace
 * {@code urn:surrogate:rules:1}; matches, variables and actions name their namespace.
 */
@XmlSchema(namespace = Namespaces.RULES, elementFormDefault = XmlNsForm.QUALIFIED)
@XmlAccessorType(XmlAccessType.FIELD)
package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAccessType;
import jakarta.xml.bind.annotation.XmlAccessorType;
import jakarta.xml.bind.annotation.XmlNsForm;
import jakarta.xml.bind.annotation.XmlSchema;
