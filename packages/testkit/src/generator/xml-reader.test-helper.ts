import { SaxesParser } from "saxes";

import type { OrdDate, OrdOrganisation, OrdTarget } from "../ord/ord-types.js";

/** A parsed XML element (test helper: a tiny DOM over saxes). */
export interface XmlNode {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: XmlNode[];
  text: string;
}

/** Parses an XML document into a tree (namespaces off: prefixed names are kept as written). */
export function parseXml(xml: string): XmlNode {
  const parser = new SaxesParser({ xmlns: false });
  const root: XmlNode = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: XmlNode[] = [root];
  parser.on("opentag", (tag) => {
    const node: XmlNode = {
      name: tag.name,
      attributes: Object.fromEntries(Object.entries(tag.attributes)),
      children: [],
      text: "",
    };
    stack.at(-1)?.children.push(node);
    stack.push(node);
  });
  parser.on("text", (text) => {
    const top = stack.at(-1);
    if (top) {
      top.text += text;
    }
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.write(xml).close();
  return root;
}

export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

export function children(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

function value(node: XmlNode, name: string): string {
  const found = child(node, name);
  if (found === undefined) {
    throw new Error(`missing <${name}> in <${node.name}>`);
  }
  return found.attributes.value ?? "";
}

function dates(node: XmlNode): OrdDate[] {
  return children(node, "Date").map((d) => {
    const end = child(d, "End");
    const base = { Type: value(d, "Type") as OrdDate["Type"], Start: value(d, "Start") };
    return end === undefined ? base : { ...base, End: end.attributes.value ?? "" };
  });
}

function orgId(node: XmlNode): OrdOrganisation["OrgId"] {
  const id = child(node, "OrgId");
  return {
    root: id?.attributes.root ?? "",
    assigningAuthorityName: id?.attributes.assigningAuthorityName ?? "",
    extension: id?.attributes.extension ?? "",
  };
}

function target(node: XmlNode): OrdTarget {
  const t = child(node, "Target");
  if (t === undefined) {
    throw new Error("missing <Target>");
  }
  const role = child(t, "PrimaryRoleId");
  return {
    OrgId: orgId(t),
    PrimaryRoleId: { id: role?.attributes.id ?? "", uniqueRoleId: Number(role?.attributes.uniqueRoleId) },
  };
}

/** Converts one `<Organisation>` element back into the ORD JSON shape (the inverse of organisationXml). */
export function organisationFromXml(node: XmlNode): OrdOrganisation {
  const location = child(child(node, "GeoLoc") ?? node, "Location");
  const contacts = child(node, "Contacts");
  const rels = child(node, "Rels");
  const succs = child(node, "Succs");
  const loc: Record<string, string | number> = {};
  for (const c of location?.children ?? []) {
    loc[c.name] = c.name === "UPRN" ? Number(c.text) : c.text;
  }
  return {
    Name: child(node, "Name")?.text ?? "",
    Date: dates(node),
    OrgId: orgId(node),
    Status: value(node, "Status") as OrdOrganisation["Status"],
    LastChangeDate: value(node, "LastChangeDate"),
    orgRecordClass: node.attributes.orgRecordClass as OrdOrganisation["orgRecordClass"],
    ...(node.attributes.refOnly === "true" ? { refOnly: true as const } : {}),
    ...(location === undefined ? {} : { GeoLoc: { Location: loc } }),
    ...(contacts === undefined
      ? {}
      : {
          Contacts: {
            Contact: children(contacts, "Contact").map((c) => ({
              type: c.attributes.type ?? "",
              value: c.attributes.value ?? "",
            })),
          },
        }),
    Roles: {
      Role: children(child(node, "Roles") ?? node, "Role").map((r) => ({
        id: r.attributes.id ?? "",
        uniqueRoleId: Number(r.attributes.uniqueRoleId),
        ...(r.attributes.primaryRole === "true" ? { primaryRole: true as const } : {}),
        Date: dates(r),
        Status: value(r, "Status") as "Active" | "Inactive",
      })),
    },
    ...(rels === undefined
      ? {}
      : {
          Rels: {
            Rel: children(rels, "Rel").map((r) => ({
              Date: dates(r),
              Status: value(r, "Status") as "Active" | "Inactive",
              Target: target(r),
              id: r.attributes.id ?? "",
              uniqueRelId: Number(r.attributes.uniqueRelId),
            })),
          },
        }),
    ...(succs === undefined
      ? {}
      : {
          Succs: {
            Succ: children(succs, "Succ").map((s) => ({
              uniqueSuccId: Number(s.attributes.uniqueSuccId),
              Date: dates(s),
              Type: (child(s, "Type")?.text ?? "") as "Predecessor" | "Successor",
              Target: target(s),
              ...(s.attributes.forwardSuccession === "true" ? { forwardSuccession: true as const } : {}),
            })),
          },
        }),
  };
}
