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

for line in lines:
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
print(f"{sum(1 for l in lines if l['rule'])} positives, {sum(1 for l in lines if not l['rule'])} negatives", file=sys.stderr)
