#pragma once
// What `sekisho audit` writes: JSON for machines, a self-contained printable HTML page for
// people (Japanese or English; a summary per catalog and per policy/category, a detail per
// requirement with its evidence), and CSV in UTF-8 with a BOM so Excel opens it as UTF-8.
#include <string>
#include <string_view>

#include "audit/evaluate.h"

namespace sekisho::audit {

// {"sekisho_audit":1, "generated", "today", "lang", "subject":{...}, "device", "inputs":[...],
//  "catalogs":[{"id","short","version","title","pass","fail","inconclusive","not_applicable"}],
//  "results":[{"catalog","requirement","group","title","status","verdict","assessment",
//              "evidence":[ids],"rules":[ids],"reason","reason_ja","reason_en",
//              "related":["catalog:id" from the cross-walk]}],
//  "evidence":[{"id","source","kind","file","line","time","ip","mac","summary","attrs":{...}}],
//  "changes":{"previous","since","items":[{"catalog","requirement","before","after"}]}}
//  ("changes" only with --previous)
// Texts (title, reason) in `lang`; "reason_ja"/"reason_en" carry both.
std::string report_json(const AuditReport& r, std::string_view lang);

// Header: catalog,requirement,group,title,status,verdict,assessment,evidence,reason.
// UTF-8 with BOM, CRLF line ends, RFC 4180 quoting; evidence ids joined with a space.
std::string report_csv(const AuditReport& r, std::string_view lang);

// One HTML document, no external resources (inline CSS, no scripts needed), print-friendly.
std::string report_html(const AuditReport& r, std::string_view lang);

}  // namespace sekisho::audit
