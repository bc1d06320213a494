<?xml version="1.0" encoding="utf-8"?>
{#- Shown by a browser that opens sitemap.xml: every page of the site as a link. Search engines ignore it. -#}
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
<xsl:output method="html" encoding="utf-8" indent="no"/>
<xsl:template match="/sm:urlset">
<html lang="{{ site.language }}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="robots" content="noindex"/>
<title>{{ t('xsl_sitemap_title') }} · {{ site.title }}</title>
<style>
body { font: 16px/1.7 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1f2328; margin: 0; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; } a { color: #0b57a4; word-break: break-all; } .meta { color: #57606a; font-size: .92rem; }
li { margin: .35rem 0; }
</style>
</head>
<body>
<main>
<h1>{{ t('xsl_sitemap_title') }}</h1>
<p>{{ t('xsl_sitemap_what') }}</p>
<p class="meta">{{ t('xsl_sitemap_count') }} <xsl:value-of select="count(sm:url)"/></p>
<ol>
<xsl:for-each select="sm:url">
<li><a href="{sm:loc}"><xsl:value-of select="sm:loc"/></a><xsl:if test="sm:lastmod"> <span class="meta">· <xsl:value-of select="sm:lastmod"/></span></xsl:if></li>
</xsl:for-each>
</ol>
</main>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
