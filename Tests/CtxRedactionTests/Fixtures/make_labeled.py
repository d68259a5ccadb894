#!/usr/bin/env python3
"""Writes labeled.jsonl: the labeled set for ctx's redaction rules.

Every "secret" here is fake: random characters from a seeded generator shaped like the
documented token formats, never a real credential. Run it again to get the same file:

    python3 Tests/CtxRedactionTests/Fixtures/make_labeled.py > Tests/CtxRedactionTests/Fixtures/labeled.jsonl

Each line: {"text": ..., "rule": <expected rule id or null>, "category": ...}. A positive
line must make its rule fire; a null line must make nothing fire.
"""

import base64
import json
import random
import string
import sys

rng = random.Random(20240611)

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
BASE62 = UPPER + LOWER + DIGITS
BASE32 = UPPER + "234567"
HEX = "0123456789abcdef"
B64 = BASE62 + "+/"
B64URL = BASE62 + "-_"


def pick(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def password(n=14):
    # Human-ish but random passwords: letters, digits and a few symbols (no `$`, which would
    # read as a shell variable).
    return pick(BASE62 + "!#%^*-_.~", n)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(alg="HS256", sig_bytes=32, claims=None):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = claims or {"sub": str(rng.randint(10**6, 10**9)), "iat": rng.randint(1600000000, 1700000000), "scope": "read"}
    payload = b64url(json.dumps(body, separators=(",", ":")).encode())
    return f"{header}.{payload}.{b64url(rng.randbytes(sig_bytes))}"


def pem_body(size, der_prefix=b"\x30\x82\x04\xa4", width=64):
    data = base64.b64encode(der_prefix + rng.randbytes(size)).decode()
    return "\n".join(data[i : i + width] for i in range(0, len(data), width))


def pem(label, size=1190):
    return f"-----BEGIN {label}-----\n{pem_body(size)}\n-----END {label}-----"


def aws_id(prefix="AKIA"):
    return prefix + pick(BASE32, 16)


def aws_secret():
    return pick(B64, 40)


def slack_bot():
    return f"xoxb-{pick(DIGITS, 12)}-{pick(DIGITS, 13)}-{pick(BASE62, 24)}"


def slack_user():
    return f"xoxp-{pick(DIGITS, 12)}-{pick(DIGITS, 12)}-{pick(DIGITS, 13)}-{pick(HEX, 32)}"


def slack_webhook():
    return f"https://hooks.slack.com/services/T{pick(UPPER + DIGITS, 10)}/B{pick(UPPER + DIGITS, 11)}/{pick(BASE62, 24)}"


def uuid():
    h = pick(HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


lines = []


def add(category, rule, text):
    lines.append({"text": text, "rule": rule, "category": category})


def pos(category, rule, *texts):
    for text in texts:
        add(category, rule, text)


def neg(category, *texts):
    for text in texts:
        add(category, None, text)


# AWS ---------------------------------------------------------------------------------------
pos("aws", "aws-access-key",
    f"aws_access_key_id = {aws_id()}",
    f"export AWS_ACCESS_KEY_ID={aws_id()}",
    f'{{"AccessKeyId": "{aws_id("ASIA")}", "Expiration": "2024-06-01T12:00:00Z"}}',
    f"  access_key: {aws_id()}",
    f"rotated the CI key {aws_id()} after the incident",
    f'client = boto3.client("s3", aws_access_key_id="{aws_id()}")',
    f"ACCESS_KEY={aws_id('ASIA')} make deploy",
)
pos("aws", "aws-secret-key",
    f"aws_secret_access_key = {aws_secret()}",
    f"AWS_SECRET_ACCESS_KEY={aws_secret()}",
    f'{{"SecretAccessKey": "{aws_secret()}", "SessionToken": null}}',
    f"aws_secret_key: '{aws_secret()}'",
    f'  secretAccessKey: "{aws_secret()}",',
    f"ci-tool configure --aws-secret-access-key {aws_secret()} --profile ci",
)
pos("aws", "generic-secret",
    f'aws_session_token = "{pick(B64, 60)}"',
)
neg("aws",
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX",
    "aws_access_key_id = <your-access-key-id>",
    "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
    f"const marker = 'AKIA{pick(BASE32, 16)}{pick(BASE32, 4)}';",
    'aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]',
    "arn:aws:iam::123456789012:user/deploy-bot",
    f"UserId: AIDA{pick(BASE32, 17)}",
    "Principal: {AWS: arn:aws:iam::210987654321:root}",
    "secretAccessKey: credentials.secretAccessKey,",
)

# GitHub ------------------------------------------------------------------------------------
pos("github", "github-token",
    f"GITHUB_TOKEN=ghp_{pick(BASE62, 36)}",
    f"  token: gho_{pick(BASE62, 36)}",
    f'curl -H "Authorization: token ghu_{pick(BASE62, 36)}" https://api.github.com/user',
    f"git remote set-url origin https://x-access-token:ghs_{pick(BASE62, 36)}@github.com/acme/app.git",
    f"refresh_token=ghr_{pick(BASE62, 36)}",
    f'{{"token": "github_pat_{pick(BASE62, 22)}_{pick(BASE62, 59)}"}}',
    f"I pasted ghp_{pick(BASE62, 36)} in the channel by mistake, please revoke",
    f"git clone https://ghp_{pick(BASE62, 36)}@github.com/acme/infra.git",
    f"gh auth login --with-token <<< github_pat_{pick(BASE62, 22)}_{pick(BASE62, 59)}",
)
neg("github",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "token: ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    "export GH_TOKEN=$GITHUB_TOKEN",
    'const prefix = "ghp_"; if (token.startsWith(prefix)) { warn(); }',
    "ghp_short_lived_token_name = 3",
    "github_pat_<your fine-grained token>",
    "ghp_1234567890abcdefghijklmnopqrstuvwxyz is how the docs spell a token",
)

# GitLab ------------------------------------------------------------------------------------
pos("gitlab", "gitlab-token",
    f"GITLAB_TOKEN=glpat-{pick(B64URL, 20)}",
    f'private_token: "glpat-{pick(B64URL, 20)}"',
    f"deploy token gldt-{pick(B64URL, 20)} for the registry",
    f"gitlab-runner register --token glrt-{pick(B64URL, 20)}",
    f"curl -X POST -F token=glptt-{pick(HEX, 40)} -F ref=main https://gitlab.example.com/api/v4/projects/7/trigger/pipeline",
)
neg("gitlab",
    "GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx",
    "private_token: glpat-<token>",
    "glpat-1234567890abcdefghij",
    "# Tokens start with glpat- followed by twenty characters.",
)

# Slack -------------------------------------------------------------------------------------
pos("slack", "slack-token",
    f"SLACK_BOT_TOKEN={slack_bot()}",
    f'  "token": "{slack_user()}",',
    f"slack_app_token: xapp-1-A{pick(UPPER + DIGITS, 10)}-{pick(DIGITS, 13)}-{pick(HEX, 64)}",
    f"client = WebClient(token='{slack_bot()}')",
    f"legacy: xoxa-2-{pick(DIGITS, 12)}-{pick(DIGITS, 12)}-{pick(HEX, 32)}",
)
pos("slack", "slack-webhook",
    f"SLACK_WEBHOOK_URL={slack_webhook()}",
    f'webhook: "{slack_webhook()}"',
    f"curl -X POST -d @payload.json {slack_webhook()}",
)
neg("slack",
    "SLACK_BOT_TOKEN=xoxb-your-bot-token",
    "token = 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "https://hooks.slack.com/services/YOUR/WEBHOOK/URL",
    "xoxo, the release team",
    "SLACK_BOT_TOKEN=${SLACK_BOT_TOKEN}",
)

# Stripe ------------------------------------------------------------------------------------
pos("stripe", "stripe-key",
    f"STRIPE_SECRET_KEY=sk_live_{pick(BASE62, 24)}",
    f'stripe.api_key = "sk_live_51{pick(BASE62, 97)}"',
    f"restricted: rk_live_{pick(BASE62, 24)}",
    f"const stripe = require('stripe')('sk_test_{pick(BASE62, 24)}');",
    f"rk_test_{pick(BASE62, 30)}",
)
pos("stripe", "stripe-webhook-secret",
    f"STRIPE_WEBHOOK_SECRET=whsec_{pick(BASE62, 32)}",
)
neg("stripe",
    f"STRIPE_PUBLISHABLE_KEY=pk_live_{pick(BASE62, 24)}",
    f"Stripe('pk_test_{pick(BASE62, 24)}')",
    "STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx",
    "stripe.api_key = 'sk_live_...'",
    "STRIPE_SECRET_KEY=sk_test_YOUR_SECRET_KEY",
    "def task_live_update(self): pass",
)

# Google ------------------------------------------------------------------------------------
pos("google", "google-api-key",
    f"GOOGLE_API_KEY=AIza{pick(B64URL, 35)}",
    f'  apiKey: "AIza{pick(B64URL, 35)}",',
    f"https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=AIza{pick(B64URL, 35)}",
    f"the Firebase key AIza{pick(B64URL, 35)} is in the old config",
)
neg("google",
    "apiKey: 'AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX'",
    "GOOGLE_API_KEY=AIza<your-key>",
    "// Keys start with AIza and are 39 characters long.",
)

# Other token formats -------------------------------------------------------------------------
pos("npm", "npm-token",
    f"//registry.npmjs.org/:_authToken=npm_{pick(BASE62, 36)}",
    f"NPM_TOKEN=npm_{pick(BASE62, 36)}",
)
neg("npm",
    "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    "npm_config_cache=/tmp/.npm",
)
pos("pypi", "pypi-token",
    f"password = pypi-AgEIcHlwaS5vcmc{pick(B64URL, 150)}",
)
neg("pypi",
    "password = pypi-<your token>",
)
pos("sendgrid", "sendgrid-key",
    f"SENDGRID_API_KEY=SG.{pick(B64URL, 22)}.{pick(B64URL, 43)}",
    f'sg = SendGridAPIClient("SG.{pick(B64URL, 22)}.{pick(B64URL, 43)}")',
)
neg("sendgrid",
    "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "SG.Logger.info('sent')",
)
pos("ai-keys", "openai-key",
    f"OPENAI_API_KEY=sk-proj-{pick(B64URL, 56)}",
    f'openai.api_key = "sk-{pick(BASE62, 20)}T3BlbkFJ{pick(BASE62, 20)}"',
)
pos("ai-keys", "anthropic-key",
    f"ANTHROPIC_API_KEY=sk-ant-api03-{pick(B64URL, 93)}AA",
)
neg("ai-keys",
    "OPENAI_API_KEY=sk-...",
    "OPENAI_API_KEY=sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "ANTHROPIC_API_KEY=<your key>",
    "the sk-learn pipeline and the risk-free rate",
)
pos("azure", "azure-storage-key",
    f"DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={pick(B64, 86)}==;EndpointSuffix=core.windows.net",
    f'"AccountKey": "{pick(B64, 86)}=="',
)
neg("azure",
    "DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<account-key>;",
    "AccountName=acmelogs;AccountKey=${AZURE_STORAGE_KEY}",
)

# JWT ---------------------------------------------------------------------------------------
pos("jwt", "jwt",
    f"Authorization: Bearer {jwt()}",
    f'token = "{jwt()}"',
    f"https://app.example.com/callback#id_token={jwt('RS256', 256)}&state=af0ifjsldkj",
    f"Set-Cookie: session={jwt()}; HttpOnly; Secure",
    f"decoded {jwt('ES256', 64)} and the exp claim was in the past",
    f'{{"access_token": "{jwt("RS256", 256)}", "token_type": "Bearer", "expires_in": 3600}}',
)
neg("jwt",
    "header = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
    f"eyJmb28iOiJiYXIifQ.eyJ6IjoxfQ.{b64url(rng.randbytes(32))}",
    f"blob: QUJD{b64url(rng.randbytes(12))}eyJ{pick(B64URL, 20)}.{pick(B64URL, 20)}.{pick(B64URL, 30)}",
    "token = 'eyJhbGciOiJIUzI1NiJ9...'",
)

# Private keys ------------------------------------------------------------------------------
pos("private-key", "private-key",
    pem("RSA PRIVATE KEY"),
    pem("EC PRIVATE KEY", 118),
    "key.pem:\n" + pem("PRIVATE KEY", 1210),
    pem("OPENSSH PRIVATE KEY", 400),
    pem("ENCRYPTED PRIVATE KEY", 1290),
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n" + pem_body(900, b"\x95\x03\xc6") + "\n=" + pick(B64, 4) + "\n-----END PGP PRIVATE KEY BLOCK-----",
    json.dumps({"type": "service_account", "private_key_id": pick(HEX, 40), "private_key": pem("PRIVATE KEY", 1210) + "\n"}),
    "here is the key I used, truncated:\n-----BEGIN RSA PRIVATE KEY-----\n" + pem_body(300) + "\n\nwhat am I doing wrong?",
)
neg("private-key",
    "-----BEGIN PUBLIC KEY-----\n" + pem_body(290, b"\x30\x82\x01\x22") + "\n-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----\n" + pem_body(900, b"\x30\x82\x03\x80") + "\n-----END CERTIFICATE-----",
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----",
    'if strings.HasPrefix(line, "-----BEGIN RSA PRIVATE KEY-----") {',
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
)

# Passwords in URLs ---------------------------------------------------------------------------
pos("url-password", "url-password",
    f"postgres://app:{password()}@db.internal:5432/app",
    f'DATABASE_URL="postgresql://orders:{password()}@10.0.3.7/orders?sslmode=require"',
    f"mysql://root:{password(16)}@mysql.prod.local:3306/shop",
    f"redis://:{password(20)}@cache-1:6379/0",
    f"mongodb+srv://svc-reporting:{password()}@cluster0.ab12c.mongodb.net/reports",
    f"amqp://worker:{password()}@rabbit.internal:5672/%2F",
    f"docker login https://deploy:{password()}@registry.acme.dev/v2/",
    f"ftp://backup:{password(12)}@files.acme.dev/nightly/",
    f"smtp://mailer:{password(10)}%40x@smtp.acme.dev:587",
    f"  broker_url: 'redis://celery:{password()}@redis:6379/1'",
)
neg("url-password",
    "postgres://user:password@localhost/db",
    "postgres://postgres:postgres@localhost:5432/postgres",
    "https://user:${DB_PASSWORD}@db.example.com/app",
    "mysql://root:<password>@localhost/test",
    "amqp://guest:guest@localhost:5672/",
    "git@github.com:acme/app.git",
    "ssh://git@github.com:22/acme/app.git",
    "http://localhost:8080/api/v1/users?page=2",
    "https://deploy@registry.acme.dev/v2/",
    "https://user:****@registry.acme.dev/",
    "redis://:{{ .Values.redis.password }}@redis:6379",
    "See http://example.com:80/path for details.",
)

# Generic assignments -------------------------------------------------------------------------
pos("generic", "generic-secret",
    f'password = "{password()}"',
    f"DB_PASSWORD={password()}",
    f"db_password: {password(16)}",
    f'{{"username": "svc", "password": "{password()}"}}',
    f"api_key = '{pick(BASE62, 32)}'",
    f"API_KEY={pick(HEX, 32)}",
    f'  apiKey: "{pick(BASE62, 24)}",',
    f'client_secret = "{pick(B64URL, 40)}"',
    f"CLIENT_SECRET={pick(B64URL, 34)}",
    f'SECRET_KEY = "{pick(BASE62 + "!#%^&*-_=+", 50)}"',
    f'private_key = "0x{pick(HEX, 64)}"',
    f"mysql -u root --password {password()} shop",
    f"./deploy --api-key={pick(BASE62, 32)} --region eu-west-1",
    f"Authorization: Basic {base64.b64encode(('svc-ci:' + password()).encode()).decode()}",
    f'curl -H "Authorization: Bearer {pick(B64URL, 40)}" https://api.acme.dev/v1/me',
    f"'password' => '{password()}',",
    f'\tPassword := "{password()}"',
    f'auth_token: "{pick(HEX, 40)}"',
    f"access_token={pick(B64URL, 43)}&token_type=bearer&expires_in=3600",
    f"https://api.acme.dev/v1/export?format=csv&api_key={pick(BASE62, 32)}",
    f"SECRET={pick(BASE62, 40)}",
    f"passwd: {password(12)}",
    f"spring.datasource.password={password()}",
    f'{{"auths": {{"registry.acme.dev": {{"auth": "{base64.b64encode(("ci:" + password()).encode()).decode()}"}}}}}}',
    f"encryption_key: {base64.b64encode(rng.randbytes(32)).decode()}",
    f"JWT_SECRET={pick(BASE62, 48)}",
    f'webhook_secret = "{pick(HEX, 64)}"',
    f'pwd = "{password()}"',
    f"signing_key: {pick(B64URL, 43)}",
    f"jdbc:postgresql://db:5432/app?user=app&password={password()}",
    f"TWILIO_AUTH_TOKEN={pick(HEX, 32)}",
    f"DD_API_KEY={pick(HEX, 32)}",
    f'headers = {{"X-Auth-Token": "{pick(B64URL, 32)}"}}',
    f"export DOCKER_PASSWORD='{password(18)}'",
    f'{{"clientSecret": "{pick(B64URL, 36)}"}}',
    f"secret_key_base: {pick(HEX, 128)}",
    f'resource "aws_db_instance" "main" {{\n  username = "app"\n  password = "{password(20)}"\n}}',
    f"services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {password(16)}",
    f"kind: Secret\nstringData:\n  password: '{password(18)}'",
    f"[pypi]\nusername = __token__\npassword = {password(24)}",
    f"//registry.acme.dev/:_password={base64.b64encode(password(16).encode()).decode()}",
    f'String password = "{password(14)}";',
    f'$config["db_password"] = "{password(15)}";',
)
neg("generic",
    'password = request.form["password"]',
    "token = get_token()",
    'password = os.getenv("DB_PASSWORD")',
    'api_key = os.environ["API_KEY"]',
    "  token: process.env.TOKEN,",
    "  apiKey: config.apiKey,",
    "password: ${DB_PASSWORD}",
    "DB_PASSWORD=$DB_PASSWORD",
    'password: "{{ .Values.db.password }}"',
    'password = "changeme"',
    'password: "********"',
    "PASSWORD=<your-password>",
    'api_key = "your_api_key_here"',
    'token = "xxxxxxxxxxxxxxxx"',
    'password = "password123"',
    'password_file = "/run/secrets/db_password"',
    "PWD=/home/ci/build/workspace",
    "ssl_key_path: /etc/ssl/private/server.key",
    'token_url = "https://oauth2.googleapis.com/token"',
    "max_tokens: 4096",
    "secret_name: my-app-secret",
    f'request_id = "{uuid()}"',
    f'session_token = "{uuid()}"',
    f"commit {pick(HEX, 40)}",
    f"sha256: {pick(HEX, 64)}",
    f'"integrity": "sha512-{base64.b64encode(rng.randbytes(64)).decode()}"',
    f"github.com/acme/lib v1.4.2 h1:{base64.b64encode(rng.randbytes(32)).decode()}",
    f'checksum = "{pick(HEX, 40)}"',
    f'ETag: "{pick(HEX, 32)}"',
    f'data = "{base64.b64encode(b"Hello, World! This is ordinary text.").decode()}"',
    "token = None",
    'if password == "":',
    "auth: true",
    "auth_type: basic",
    'author = "Jane Doe"',
    "tokens = tokenizer.encode(text)",
    'csrf_token = "{{ csrf_token() }}"',
    'password: "test-password-for-fixtures"',
    'Token: "test-token",',
    'api_key = "test_api_key_12345"',
    "password = pw",
    "secret = SECRET_KEY",
    "  password: userPassword,",
    "  apiKey: apiKeyV2,",
    "token := generateToken(user)",
    "password = hashlib.sha256(raw).hexdigest()",
    f'password_hash = "$2b$12${pick(B64, 53)}"',
    '"password": ""',
    "password: !vault |",
    "client_secret: \"<CLIENT_SECRET>\"",
    "password: P@ssw0rd",
    'secret = "supersecret"',
    'token = "abc"',
    "auth = oauth2.Client(client_id, client_secret)",
    'version = "1.2.3-beta.4"',
    "password: 12345678",
    'token_type = "Bearer"',
    "password=$(cat /run/secrets/db)",
    "auth_token = settings.AUTH_TOKEN",
    "PASSWORD = getpass.getpass()",
    f"client_id: {uuid()}",
    "api_key: !ENV ${API_KEY}",
    f'image = "data:image/png;base64,{base64.b64encode(rng.randbytes(48)).decode()}"',
    "passwordField.setText(password);",
    "--password-stdin < ~/.docker/pw",
    "docker login --password $REGISTRY_PASSWORD registry.acme.dev",
    'secretKeyRef: {name: db, key: password}',
    "const [token, setToken] = useState<string>('');",
    # Labels in translation files and constants that name settings.
    '"password": "Kennwort",',
    '"token": "Jeton d\'acces",',
    '"passwordPlaceholder": "Enter your password"',
    "PASSWORD_MIN_LENGTH = 12",
    'AUTH_HEADER = "X-Auth-Token"',
    'DEFAULT_TOKEN_KEY = "access_token"',
    'SECRET_ENV_VAR = "APP_SECRET_KEY"',
    "GITHUB_TOKEN_SCOPES=repo,read:org",
    'password: "{{ lookup(\'env\', \'DB_PASSWORD\') }}"',
    "secret_key: !!binary |",
    "  MasterUserPassword: !Ref DBPassword",
    "password: ENC[AES256_GCM,data:pQ9x,iv:Zt1k,tag:Wm3e,type:str]",
    'String password = "";',
    'private String apiKey = System.getenv("API_KEY");',
    "secret = secrets.token_hex(32)",
    '"password": {"type": "string", "minLength": 8},',
    "export TOKEN=$(vault read -field=token secret/ci)",
    "Set `API_KEY=your-key-here` in the shell first.",
    'Password: "s3cr3t",',
    'Token: "abc123def456",',
    'IdentityToken: "identity-token-value",',
    "secretName: tls-secret",
    "AUTH_METHOD=oauth2",
)

# Prefixed vendor tokens (TokenFormats.swift) ---------------------------------------------
# Per family: a generator of fake tokens with the documented shape, the shortest valid length,
# and a few contexts. Negatives: the token cut short, a wrong character inside it, the prefix
# glued to a word, the prefix in prose, a placeholder body, the prefix before a UUID.
LOWERHEX = HEX
UPPERALNUM = UPPER + DIGITS
LOWERALNUM = LOWER + DIGITS
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"


def discord():
    snowflake = str(rng.randint(10**17, 10**18 - 1))
    first = base64.b64encode(snowflake.encode()).decode().rstrip("=")
    return f"{first}.{pick(B64URL, 6)}.{pick(B64URL, 38)}"


FAMILIES = [
    # rule, generator, shortest valid token, env name, uuid-after-prefix is a negative
    ("huggingface-token", lambda: "hf_" + pick(UPPER + LOWER, 34), 37, "HF_TOKEN", True),
    ("huggingface-token", lambda: "api_org_" + pick(UPPER + LOWER, 34), 42, "HUGGINGFACE_ORG_TOKEN", True),
    ("vault-token", lambda: "hvs." + pick(B64URL, 95), 94, "VAULT_TOKEN", True),
    ("vault-token", lambda: "hvb." + pick(B64URL, 150), 142, "VAULT_TOKEN", True),
    ("databricks-token", lambda: "dapi" + pick(LOWERHEX, 32), 36, "DATABRICKS_TOKEN", True),
    ("digitalocean-token", lambda: "dop_v1_" + pick(LOWERHEX, 64), 71, "DIGITALOCEAN_TOKEN", True),
    ("digitalocean-token", lambda: "dor_v1_" + pick(LOWERHEX, 64), 71, "DO_REFRESH", True),
    ("mailgun-key", lambda: "key-" + pick(LOWERHEX, 32), 36, "MAILGUN_API_KEY", True),
    ("grafana-service-account-token", lambda: f"glsa_{pick(BASE62, 32)}_{pick(LOWERHEX, 8)}", 46, "GRAFANA_TOKEN", True),
    ("grafana-cloud-token", lambda: "glc_" + base64.b64encode(rng.randbytes(60)).decode(), 36, "GRAFANA_CLOUD_TOKEN", True),
    ("atlassian-token", lambda: "ATATT3" + pick(B64URL, 170) + "=" + pick("0123456789ABCDEF", 8), 156, "JIRA_API_TOKEN", True),
    ("bitbucket-app-password", lambda: "ATBB" + pick(BASE62, 32), 36, "BITBUCKET_APP_PASSWORD", True),
    ("linear-api-key", lambda: "lin_api_" + pick(BASE62, 40), 48, "LINEAR_API_KEY", True),
    ("doppler-token", lambda: "dp.pt." + pick(BASE62, 43), 46, "DOPPLER_TOKEN", True),
    ("doppler-token", lambda: "dp.st." + pick(BASE62, 43), 46, "DOPPLER_TOKEN", True),
    ("postman-api-key", lambda: f"PMAK-{pick(LOWERHEX, 24)}-{pick(LOWERHEX, 34)}", 64, "POSTMAN_API_KEY", True),
    ("newrelic-key", lambda: "NRAK-" + pick(UPPERALNUM, 27), 32, "NEW_RELIC_API_KEY", True),
    ("newrelic-key", lambda: "NRII-" + pick(LOWERALNUM + "-", 31) + pick(LOWERALNUM, 1), 37, "NEW_RELIC_INSERT_KEY", True),
    ("age-secret-key", lambda: "AGE-SECRET-KEY-1" + pick(BECH32, 58), 74, "SOPS_AGE_KEY", True),
    ("telegram-bot-token", lambda: f"{rng.randint(10**8, 10**10 - 1)}:AA{pick(B64URL, 33)}", 44, "TELEGRAM_BOT_TOKEN", False),
    ("azure-ad-client-secret", lambda: f"{pick(BASE62, 3)}{rng.randint(0, 9)}Q~{pick(BASE62 + '_~.-', 34)}", 37, "AZURE_CLIENT_SECRET", False),
    ("shopify-token", lambda: "shpat_" + pick(LOWERHEX, 32), 38, "SHOPIFY_ACCESS_TOKEN", True),
    ("shopify-token", lambda: "shpss_" + pick(LOWERHEX, 32), 38, "SHOPIFY_SHARED_SECRET", True),
    ("sentry-token", lambda: "sntrys_" + base64.b64encode(json.dumps({"iat": rng.randint(1600000000, 1700000000), "url": "https://sentry.io", "org": "acme"}).encode()).decode() + "_" + pick(B64, 43), 87, "SENTRY_AUTH_TOKEN", True),
    ("sentry-token", lambda: "sntryu_" + pick(LOWERHEX, 64), 71, "SENTRY_AUTH_TOKEN", True),
    ("square-token", lambda: "sq0atp-" + pick(B64URL, 22), 29, "SQUARE_ACCESS_TOKEN", True),
    ("square-token", lambda: "EAAA" + pick(B64URL, 60), 64, "SQUARE_ACCESS_TOKEN", True),
    ("square-token", lambda: "sq0csp-" + pick(B64URL, 43), 50, "SQUARE_OAUTH_SECRET", True),
    ("twilio-api-key", lambda: "SK" + pick(LOWERHEX, 32), 34, "TWILIO_API_KEY", True),
    ("dynatrace-token", lambda: f"dt0c01.{pick(UPPERALNUM, 24)}.{pick(UPPERALNUM, 64)}", 96, "DT_API_TOKEN", True),
    ("pulumi-token", lambda: "pul-" + pick(LOWERHEX, 40), 44, "PULUMI_ACCESS_TOKEN", True),
    ("planetscale-token", lambda: "pscale_tkn_" + pick(B64URL, 43), 43, "PLANETSCALE_SERVICE_TOKEN", True),
    ("planetscale-token", lambda: "pscale_pw_" + pick(B64URL, 43), 42, "DATABASE_PASSWORD", True),
    ("flyio-token", lambda: "fo1_" + pick(B64URL, 43), 47, "FLY_API_TOKEN", True),
    ("flyio-token", lambda: "fm2_" + base64.b64encode(rng.randbytes(150)).decode(), 104, "FLY_API_TOKEN", True),
    ("google-oauth-token", lambda: "ya29." + pick(B64URL, 150), 55, "GOOGLE_ACCESS_TOKEN", True),
    ("google-oauth-client-secret", lambda: "GOCSPX-" + pick(B64URL, 28), 35, "GOOGLE_CLIENT_SECRET", True),
    ("discord-bot-token", discord, 59, "DISCORD_BOT_TOKEN", False),
    ("cloudflare-origin-ca-key", lambda: f"v1.0-{pick(LOWERHEX, 24)}-{pick(LOWERHEX, 146)}", 176, "CF_ORIGIN_CA_KEY", True),
    ("dockerhub-token", lambda: "dckr_pat_" + pick(B64URL, 27), 36, "DOCKERHUB_TOKEN", True),
    ("heroku-token", lambda: "HRKU-AA" + pick(B64URL, 58), 65, "HEROKU_API_KEY", True),
    ("contentful-token", lambda: "CFPAT-" + pick(B64URL, 43), 49, "CONTENTFUL_MANAGEMENT_TOKEN", True),
    ("brevo-key", lambda: f"xkeysib-{pick(LOWERHEX, 64)}-{pick(BASE62, 16)}", 89, "BREVO_API_KEY", True),
    ("rubygems-token", lambda: "rubygems_" + pick(LOWERHEX, 48), 57, "GEM_HOST_API_KEY", True),
    ("clojars-token", lambda: "CLOJARS_" + pick(LOWERALNUM, 60), 68, "CLOJARS_PASSWORD", True),
    ("alibaba-access-key", lambda: "LTAI" + pick(BASE62, 20), 24, "ALIBABA_CLOUD_ACCESS_KEY_ID", True),
    ("adobe-client-secret", lambda: "p8e-" + pick(BASE62, 32), 36, "ADOBE_CLIENT_SECRET", True),
    ("duffel-token", lambda: "duffel_test_" + pick(B64URL, 43), 55, "DUFFEL_ACCESS_TOKEN", True),
    ("dropbox-token", lambda: "sl." + pick(B64URL, 140), 133, "DROPBOX_ACCESS_TOKEN", True),
    ("easypost-key", lambda: "EZAK" + pick(BASE62, 54), 58, "EASYPOST_API_KEY", True),
    ("easypost-key", lambda: "EZTK" + pick(BASE62, 54), 58, "EASYPOST_TEST_KEY", True),
    ("flutterwave-key", lambda: f"FLWSECK_TEST-{pick(LOWERHEX, 32)}-X", 47, "FLW_SECRET_KEY", True),
    ("frameio-token", lambda: "fio-u-" + pick(B64URL, 64), 70, "FRAMEIO_TOKEN", True),
    ("terraform-cloud-token", lambda: f"{pick(LOWERALNUM, 14)}.atlasv1.{pick(B64URL, 67)}", 83, "TFE_TOKEN", False),
    ("infracost-key", lambda: "ico-" + pick(BASE62, 32), 36, "INFRACOST_API_KEY", True),
    ("mailchimp-key", lambda: f"{pick(LOWERHEX, 32)}-us{rng.randint(1, 21)}", 35, "MAILCHIMP_API_KEY", False),
    ("notion-token", lambda: "ntn_" + pick(DIGITS, 11) + pick(BASE62, 35), 50, "NOTION_TOKEN", True),
    ("notion-token", lambda: "secret_" + pick(BASE62, 43), 50, "NOTION_TOKEN", True),
    ("octopus-deploy-key", lambda: "API-" + pick(UPPERALNUM, 26), 30, "OCTOPUS_API_KEY", True),
    ("openshift-token", lambda: "sha256~" + pick(B64URL, 43), 50, "OPENSHIFT_TOKEN", True),
    ("prefect-key", lambda: "pnu_" + pick(BASE62, 36), 40, "PREFECT_API_KEY", True),
    ("readme-key", lambda: "rdme_" + pick(LOWERALNUM, 70), 75, "README_API_KEY", True),
    ("sourcegraph-token", lambda: f"sgp_{pick(LOWERHEX, 16)}_{pick(LOWERHEX, 40)}", 61, "SRC_ACCESS_TOKEN", True),
    ("typeform-token", lambda: "tfp_" + pick(B64URL, 59), 63, "TYPEFORM_TOKEN", True),
    ("replicate-token", lambda: "r8_" + pick(BASE62, 37), 40, "REPLICATE_API_TOKEN", True),
    ("groq-key", lambda: "gsk_" + pick(BASE62, 52), 56, "GROQ_API_KEY", True),
    ("perplexity-key", lambda: "pplx-" + pick(BASE62, 48), 53, "PPLX_API_KEY", True),
    ("xai-key", lambda: "xai-" + pick(BASE62, 80), 84, "XAI_API_KEY", True),
    ("nvidia-key", lambda: "nvapi-" + pick(B64URL, 64), 70, "NVIDIA_API_KEY", True),
    ("langsmith-key", lambda: f"lsv2_pt_{pick(LOWERHEX, 32)}_{pick(LOWERHEX, 10)}", 51, "LANGSMITH_API_KEY", True),
    ("supabase-token", lambda: "sbp_" + pick(LOWERHEX, 40), 44, "SUPABASE_ACCESS_TOKEN", True),
    ("netlify-token", lambda: "nfp_" + pick(BASE62, 36), 40, "NETLIFY_AUTH_TOKEN", True),
    ("buildkite-token", lambda: "bkua_" + pick(LOWERHEX, 40), 45, "BUILDKITE_API_TOKEN", True),
    ("circleci-token", lambda: f"CCIPAT_{pick(BASE62, 22)}_{pick(LOWERHEX, 40)}", 70, "CIRCLECI_TOKEN", True),
    ("figma-token", lambda: "figd_" + pick(B64URL, 40), 45, "FIGMA_TOKEN", True),
    ("posthog-key", lambda: "phx_" + pick(BASE62, 43), 47, "POSTHOG_PERSONAL_API_KEY", True),
    ("harness-token", lambda: f"pat.{pick(B64URL, 22)}.{pick(LOWERHEX, 24)}.{pick(BASE62, 20)}", 71, "HARNESS_API_KEY", True),
    ("jfrog-key", lambda: "AKCp" + pick(BASE62, 69), 73, "ARTIFACTORY_API_KEY", True),
    ("1password-token", lambda: "ops_" + base64.b64encode(json.dumps({"signInAddress": "acme.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": pick(B64URL, 22)}, "email": pick(LOWER, 12) + "@acme.1password.com", "srpX": pick(LOWERHEX, 64), "muk": {"alg": "A256GCM", "ext": True, "k": pick(B64URL, 43), "key_ops": ["decrypt", "encrypt"], "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + pick(UPPERALNUM, 26), "deviceUuid": pick(LOWERALNUM, 26)}).encode()).decode(), 257, "OP_SERVICE_ACCOUNT_TOKEN", True),
    ("shippo-token", lambda: "shippo_live_" + pick(LOWERHEX, 40), 52, "SHIPPO_API_TOKEN", True),
    ("mapbox-secret-token", lambda: "sk." + b64url(json.dumps({"u": pick(LOWER, 8), "a": pick(LOWERALNUM, 25)}).encode()) + "." + pick(B64URL, 22), 60, "MAPBOX_SECRET_TOKEN", True),
    ("hubspot-token", lambda: "pat-na1-" + uuid(), 44, "HUBSPOT_ACCESS_TOKEN", False),
]

for rule, gen, shortest, env, uuid_negative in FAMILIES:
    token = gen()
    pos(rule, rule,
        f"export {env}={token}",
        f'  "{env.lower()}": "{gen()}",',
        f"rotated {gen()} after it leaked into the build log",
        f"config/{gen()}.json",
    )
    head = token[: min(len(token) - 1, max(6, shortest - 3))]
    cut = gen()
    # The part before the wrong character must be shorter than any valid token.
    middle = shortest - 5
    negatives = [
        f"truncated in the ticket: {head}",
        f"see {cut[:middle]}!{cut[middle + 1:]} in the dump",
        f"concatenated: my{token}",
    ]
    if uuid_negative:
        negatives.append(f"request id {token[:6]}{uuid()} was retried")
    neg(rule, *negatives)

neg("lookalike",
    "Hugging Face tokens start with hf_ and Vault service tokens with hvs.; never paste them here.",
    "Databricks PATs look like dapi followed by hex; rotate them in the workspace settings.",
    "DigitalOcean uses dop_v1_ for personal access tokens (see the API docs).",
    "The key-value store keeps session data; key-rotation runs nightly.",
    "Grafana service account tokens (glsa_...) replace API keys.",
    "Atlassian tokens begin with ATATT; Linear keys with lin_api_; Doppler with dp.pt.",
    "Postman keys (PMAK-...) and New Relic user keys (NRAK-...) are stored in 1Password.",
    "age keys: AGE-SECRET-KEY-1... go in ~/.config/sops/age/keys.txt",
    "Shopify admin tokens start with shpat_, Sentry org tokens with sntrys_.",
    "Google access tokens start with ya29. and expire after an hour.",
    f"commit {pick(LOWERHEX, 40)} fixed the build",
    f"sha256:{pick(LOWERHEX, 64)}",
    f"request {uuid()} failed",
    f"SKU {pick(UPPERALNUM, 12)} is out of stock",
    "SKIP_TESTS=1 make build",
    "version v1.0-beta.3 ships tomorrow",
    "see docs/api/v1.0-release-notes.md",
    "the ATBB team met on Tuesday",
    "package sl.core.utils",
    "pat.name = user.name",
    "EAAA00000000000000000000000000000000000000000000000000000000000000",
    f"dapi{pick(LOWERHEX, 20)} is too short",
    "hf_hub_download(repo_id='bert-base-uncased', filename='config.json')",
    "os.path.join(root, api_org_name)",
    "https://app.datadoghq.com/apm/services?env=prod",
    "sha256~ prefixes mark OpenShift tokens",
    "user:pass format is deprecated; 12345678:AB is not a bot token",
    "Module.exports.DEFAULT_TIMEOUT_MS.value",
    f"Q~ separators appear in Azure secrets like abc1Q~...",
    f"xkeysib-{pick(LOWERHEX, 64)}",
    f"{pick(LOWERHEX, 32)}-us-east-1",
)

for line in lines:
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
print(f"{sum(1 for l in lines if l['rule'])} positives, {sum(1 for l in lines if not l['rule'])} negatives", file=sys.stderr)
