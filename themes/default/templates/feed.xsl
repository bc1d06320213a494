<?xml version="1.0" encoding="utf-8"?>
{#- Shown by a browser that opens a feed (feed.xml links it with xml-stylesheet): a page that says
    what a feed is and how to subscribe, and lists the entries. Feed readers ignore it. -#}
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
<xsl:output method="html" encoding="utf-8" indent="no"/>
<xsl:template match="/atom:feed">
<html lang="{{ site.language }}">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="robots" content="noindex"/>
<title><xsl:value-of select="atom:title"/> · {{ t('xsl_feed_kind') }}</title>
<style>
body { font: 16px/1.7 system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #1f2328; margin: 0; background: #fff; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; line-height: 1.35; margin: .5rem 0; }
.note { background: #f3f6f9; border: 1px solid #d0d7de; border-radius: 8px; padding: .75rem 1rem; }
code { background: #fff; border: 1px solid #d0d7de; border-radius: 4px; padding: .1rem .3rem; word-break: break-all; }
ol { padding-left: 1.25rem; } li { margin: .5rem 0; }
a { color: #0b57a4; } a:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.meta { color: #57606a; font-size: .92rem; }
</style>
</head>
<body>
<main>
<p class="meta">{{ t('xsl_feed_kind') }}</p>
<h1><xsl:value-of select="atom:title"/></h1>
<div class="note">
<p>{{ t('xsl_feed_what') }}</p>
<p>{{ t('xsl_feed_how') }} <code><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
<p><a href="{atom:link[@rel='alternate']/@href}">{{ t('xsl_feed_back') }}</a></p>
</div>
<h2>{{ t('xsl_feed_entries') }}</h2>
<xsl:choose>
<xsl:when test="atom:entry">
<ol>
<xsl:for-each select="atom:entry">
<li><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
<br/><span class="meta"><xsl:value-of select="substring(atom:updated, 1, 10)"/><xsl:if test="atom:summary"> · <xsl:value-of select="atom:summary"/></xsl:if></span></li>
</xsl:for-each>
</ol>
</xsl:when>
<xsl:otherwise><p>{{ t('xsl_feed_empty') }}</p></xsl:otherwise>
</xsl:choose>
</main>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
