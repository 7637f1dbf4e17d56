// The simulator's vocabulary: everyday English words so replies read like text, plus a few
// non-ASCII words mixed in with --unicode to exercise UTF-8 handling (multi-byte and astral).

export const WORDS: readonly string[] = `
the of and to in is that it for was on are as with be at by this have from or an they which one you
had not but what all were when we there can more use each she do how their if will up other about out
many then them these so some her would make like him into time has look two write go see number no way
could people my than first water been call who oil its now find long down day did get come made may part
over new sound take only little work know place year live me back give most very after thing our just
name good sentence man think say great where help through much before line right too mean old any same
tell boy follow came want show also around form three small set put end does another well large must big
even such because turn here why ask went men read need land different home us move try kind hand picture
again change off play spell air away animal house point page letter mother answer found study still learn
should world high every near add food between own below country plant last school father keep tree never
start city earth eye light thought head under story saw left few while along might close something seem
next hard open example begin life always those both paper together got group often run important until
children side feet car mile night walk white sea began grow took river four carry state once book hear
stop without second later miss idea enough eat face watch far really almost let above girl sometimes
mountain cut young talk soon list song being leave family
`.trim().split(/\s+/);

export const UNICODE_WORDS: readonly string[] = [
  'café', 'naïve', 'über', 'déjà', 'façade', 'smörgåsbord', 'jalapeño', 'piñata', 'crème',
  'известно', 'привет', '日本語', '東京', '中文', '한국어', 'ελληνικά', 'señor', 'Zürich', '🐕', '🚀',
];
