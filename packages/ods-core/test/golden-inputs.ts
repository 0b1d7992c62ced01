/**
 * ORD JSON inputs that describe NHS England's published FHIR examples (the ODS data each example was made
 * from, reconstructed field by field from the example itself). Used by the golden tests.
 */
const ROOT = "2.16.840.1.113883.2.1.3.2.4.18.48";

type Dates = { Type: "Legal" | "Operational"; Start: string; End?: string }[];

function both(start: string, end?: string): Dates {
  return [
    { Type: "Operational", Start: start, ...(end === undefined ? {} : { End: end }) },
    { Type: "Legal", Start: start, ...(end === undefined ? {} : { End: end }) },
  ];
}

function target(code: string, role: string, unique: number) {
  return {
    OrgId: { root: ROOT, assigningAuthorityName: "HSCIC", extension: code },
    PrimaryRoleId: { id: role, uniqueRoleId: unique },
  };
}

/** G81086 BIRD-IN-EYE SURGERY (England IG example) + its RE4 (256248) and RE8 (617400, ODT spec) rels. */
export const G81086 = {
  Organisation: {
    Name: "BIRD-IN-EYE SURGERY",
    Date: both("1974-04-01"),
    OrgId: { root: ROOT, assigningAuthorityName: "NHS BUSINESS SERVICES AUTHORITY", extension: "G81086" },
    Status: "Active",
    LastChangeDate: "2023-08-22",
    orgRecordClass: "RC1",
    GeoLoc: {
      Location: {
        AddrLn1: "UCKFIELD COMMUNITY HOSPITAL",
        AddrLn2: "FRAMFIELD ROAD",
        Town: "UCKFIELD",
        County: "EAST SUSSEX",
        PostCode: "TN22 5AW",
        Country: "ENGLAND",
        UPRN: 10091054340,
      },
    },
    Contacts: { Contact: [{ type: "tel", value: "01825 763196" }] },
    Roles: {
      Role: [
        { id: "RO177", uniqueRoleId: 103262, primaryRole: true, Date: both("1974-04-01"), Status: "Active" },
        { id: "RO76", uniqueRoleId: 184233, Date: both("2014-04-15"), Status: "Active" },
      ],
    },
    Rels: {
      Rel: [
        {
          Date: both("1999-04-01", "2002-03-31"),
          Status: "Inactive",
          Target: target("4VE03", "RO171", 32717),
          id: "RE4",
          uniqueRelId: 256248,
        },
        {
          Date: both("2019-10-01"),
          Status: "Active",
          Target: target("U36842", "RO272", 300000),
          id: "RE8",
          uniqueRelId: 617400,
        },
      ],
    },
  },
};

/** FCE71 LLOYDS PHARMACY, closed (England IG example). */
export const FCE71 = {
  Organisation: {
    Name: "LLOYDS PHARMACY",
    Date: both("1948-01-01", "2023-04-23"),
    OrgId: { root: ROOT, assigningAuthorityName: "NHS BUSINESS SERVICES AUTHORITY", extension: "FCE71" },
    Status: "Inactive",
    LastChangeDate: "2024-01-15",
    orgRecordClass: "RC1",
    GeoLoc: {
      Location: {
        AddrLn1: "DARTMOUTH STATIONERS",
        AddrLn2: "126 LICHFIELD STREET",
        Town: "WALSALL",
        County: "WEST MIDLANDS",
        PostCode: "WS1 1SY",
        Country: "ENGLAND",
        UPRN: 100071066809,
      },
    },
    Contacts: { Contact: { type: "tel", value: "01922 646521" } }, // single item as an object (ORD quirk)
    Roles: {
      Role: {
        id: "RO182",
        uniqueRoleId: "214621", // as a string (ORD quirk)
        primaryRole: "true", // as a string (ORD quirk)
        Date: both("1948-01-01", "2023-04-23"),
        Status: "Inactive",
      },
    },
  },
};

/** 4VE03 HIGH WEALD PCG, a refOnly skeleton (England IG example). */
export const V4VE03 = {
  Organisation: {
    Name: "HIGH WEALD PCG",
    Date: [{ Type: "Operational", Start: "1999-04-01", End: "2002-03-31" }],
    OrgId: { root: ROOT, assigningAuthorityName: "HSCIC", extension: "4VE03" },
    Status: "Inactive",
    LastChangeDate: "2014-04-15",
    orgRecordClass: "RC1",
    refOnly: true,
    GeoLoc: {
      Location: {
        AddrLn1: "ROTHER HOUSE",
        AddrLn2: "THE OFFICE VILLAGE, RIVER WAY",
        Town: "UCKFIELD",
        County: "EAST SUSSEX",
        PostCode: "TN22 1SL",
        Country: "ENGLAND",
      },
    },
    Roles: {
      Role: [
        {
          id: "RO171",
          uniqueRoleId: 32717,
          primaryRole: true,
          Date: both("1999-04-01", "2002-03-31"),
          Status: "Inactive",
        },
      ],
    },
  },
};

/** Q72 NHS England region: legal end 2020-03-31, operational open, Status Active (England IG example). */
export const Q72 = {
  Organisation: {
    Name: "NHS ENGLAND NORTH EAST AND YORKSHIRE (YORKSHIRE AND HUMBER)",
    Date: [
      { Type: "Operational", Start: "2015-01-16" },
      { Type: "Legal", Start: "2015-04-01", End: "2020-03-31" },
    ],
    OrgId: { root: ROOT, assigningAuthorityName: "HSCIC", extension: "Q72" },
    Status: "Active",
    LastChangeDate: "2020-09-30",
    orgRecordClass: "RC1",
    GeoLoc: {
      Location: {
        AddrLn1: "CITY OFFICE PARK",
        AddrLn2: "3 LEEDS CITY OFFICE PARK",
        AddrLn3: "HOLBECK",
        Town: "LEEDS",
        County: "WEST YORKSHIRE",
        PostCode: "LS11 5BD",
        Country: "ENGLAND",
      },
    },
    Roles: {
      Role: [
        {
          id: "RO210",
          uniqueRoleId: 202011,
          primaryRole: true,
          Date: [
            { Type: "Operational", Start: "2015-01-16" },
            { Type: "Legal", Start: "2015-04-01", End: "2020-03-31" },
          ],
          Status: "Active",
        },
      ],
    },
  },
};

/** FDC49 ATOS MEDICAL, non-NHS (England IG example) + its RE5 rel to Q72 (383689). */
export const FDC49 = {
  Organisation: {
    Name: "ATOS MEDICAL",
    Date: both("2015-05-11"),
    OrgId: { root: ROOT, assigningAuthorityName: "NHS BUSINESS SERVICES AUTHORITY", extension: "FDC49" },
    Status: "Active",
    LastChangeDate: "2020-09-24",
    orgRecordClass: "RC1",
    GeoLoc: {
      Location: {
        AddrLn1: "LONGFIELDS COURT",
        AddrLn2: "WHARNCLIFFE BUSINESS PARK",
        Town: "BARNSLEY",
        PostCode: "S71 3GN",
        Country: "ENGLAND",
      },
    },
    Contacts: { Contact: [{ type: "tel", value: "01157 841906" }] },
    Roles: {
      Role: [
        { id: "RO94", uniqueRoleId: 231843, primaryRole: true, Date: both("2015-05-11"), Status: "Active" },
      ],
    },
    Rels: {
      Rel: {
        Date: both("2015-05-11", "2020-03-31"),
        Status: "Inactive",
        Target: target("Q72", "RO210", 202011),
        id: "RE5",
        uniqueRelId: 383689,
      },
    },
  },
};

/** RR8 LEEDS TEACHING HOSPITALS NHS TRUST (the ODT API spec's read example). */
export const RR8 = {
  Organisation: {
    Name: "LEEDS TEACHING HOSPITALS NHS TRUST",
    Date: both("1998-04-01"),
    OrgId: { root: ROOT, assigningAuthorityName: "HSCIC", extension: "RR8" },
    Status: "Active",
    LastChangeDate: "2023-11-14",
    orgRecordClass: "RC1",
    GeoLoc: {
      Location: {
        AddrLn1: "ST. JAMES'S UNIVERSITY HOSPITAL",
        AddrLn2: "BECKETT STREET",
        Town: "LEEDS",
        PostCode: "LS9 7TF",
        Country: "ENGLAND",
        UPRN: 72016246,
      },
    },
    Contacts: {
      Contact: [
        { type: "tel", value: "0113 243 3144" },
        { type: "http", value: "HTTPS://WWW.LEEDSTH.NHS.UK/" },
      ],
    },
    Roles: {
      Role: [
        { id: "RO197", uniqueRoleId: 37525, primaryRole: true, Date: both("1998-04-01"), Status: "Active" },
      ],
    },
  },
};

/** 8J091 with the RE5 rel 364347 to Q79 (the England IG's JSON affiliation example). */
export const E8J091 = {
  Organisation: {
    Name: "8J091 (affiliation example source)",
    Date: both("2015-04-01"),
    OrgId: { root: ROOT, assigningAuthorityName: "HSCIC", extension: "8J091" },
    Status: "Active",
    LastChangeDate: "2020-04-01",
    orgRecordClass: "RC1",
    Roles: {
      Role: [{ id: "RO177", uniqueRoleId: 1, primaryRole: true, Date: both("2015-04-01"), Status: "Active" }],
    },
    Rels: {
      Rel: [
        {
          Date: both("2015-04-01", "2020-03-31"),
          Status: "Inactive",
          Target: target("Q79", "RO210", 202018),
          id: "RE5",
          uniqueRelId: 364347,
        },
      ],
    },
  },
};
