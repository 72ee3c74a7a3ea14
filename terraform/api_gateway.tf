locals {
  # Usage-plan throttles are per API key and in requests per second (a token bucket that
  # refills at rate_limit and holds burst_limit). Converted from the per-minute targets:
  #   /sync  10 requests/minute: 10 / 60 = 0.167 rps; 0.16 rps plus a burst of 1 allows
  #          at most 1 + 0.16 * 60 = 10.6, so 10 whole requests in any minute.
  #   /stats and /badge.svg 100 requests/minute: 100 / 60 = 1.67 rps; 1.6 rps plus a
  #          burst of 5 allows 5 + 1.6 * 60 = 101 in the first minute, 96 after that.
  sync_throttle  = { rate_limit = 0.16, burst_limit = 1 }
  stats_throttle = { rate_limit = 1.6, burst_limit = 5 }

  # Stage-wide limit for every caller, with or without a key (/health and a public badge
  # have no usage plan); keeps a flood of anonymous GETs from burning Lambda time.
  stage_throttle = { rate_limit = 5, burst_limit = 10 }

  execution_arn_stage = "${aws_api_gateway_rest_api.this.execution_arn}/${aws_api_gateway_stage.this.stage_name}"
}

resource "aws_api_gateway_rest_api" "this" {
  name           = "${local.prefix}-api"
  description    = "streakcore: sync, stats, health, badge and the page"
  api_key_source = "HEADER"

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    # Were the API ever replaced, the new one exists before the old one goes.
    create_before_destroy = true
  }
}

# ---------------------------------------------------------------------------- routes

locals {
  # Every path of the API, one level under the root.
  api_paths = {
    sync   = "sync"
    stats  = "stats"
    health = "health"
    badge  = "badge.svg"
  }
}

resource "aws_api_gateway_resource" "path" {
  for_each = local.api_paths

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.value
}

# One method block per route: whether it needs an API key is the point of each, and
# checkov judges each one on its own (it cannot see into a for_each of them).
resource "aws_api_gateway_method" "sync_post" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration with no request body or parameters to declare; the function validates its input (pydantic) and answers 400 itself.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.path["sync"].id
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_method" "stats_get" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration with no request body or parameters to declare; the function validates its input (pydantic) and answers 400 itself.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.path["stats"].id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = true
}

resource "aws_api_gateway_method" "health_get" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration with no request body or parameters to declare; the function validates its input (pydantic) and answers 400 itself.
  #checkov:skip=CKV_AWS_59:GET /health is public by design (uptime checks carry no key); it returns only a status and the last sync time, and the stage throttle bounds it.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.path["health"].id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = false
}

resource "aws_api_gateway_method" "badge_get" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration with no request body or parameters to declare; the function validates its input (pydantic) and answers 400 itself.
  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = aws_api_gateway_resource.path["badge"].id
  http_method   = "GET"
  authorization = "NONE"
  # Keyed unless the runner chooses to embed the badge somewhere public.
  api_key_required = !var.public_badge
}

# The page: GET /p/{token}. No API key (a key cannot live in a browser): the token in the
# path, at least 128 random bits kept in the page-token secret, is the credential, and the
# read function compares it in constant time, answering a wrong one with API Gateway's own
# 403. The stage throttle (stage_throttle above) bounds it like every keyless route.
resource "aws_api_gateway_resource" "page" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "p"
}

resource "aws_api_gateway_resource" "page_token" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.page.id
  path_part   = "{token}"
}

resource "aws_api_gateway_method" "page_get" {
  #checkov:skip=CKV2_AWS_53:Lambda proxy integration whose one path parameter is declared below; the function checks the token itself.
  #checkov:skip=CKV_AWS_59:The page is for whoever holds its share link: the 128-bit-or-more token in the path is the credential, compared in constant time by the read function and rotatable; the stage throttle bounds it.
  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = aws_api_gateway_resource.page_token.id
  http_method      = "GET"
  authorization    = "NONE"
  api_key_required = false

  request_parameters = {
    "method.request.path.token" = true
  }
}

locals {
  # Every route: its path, its method, the function and the live alias that serves it,
  # and the statement id of the Lambda permission that lets API Gateway invoke it.
  api_routes = {
    sync_post = {
      path          = local.api_paths.sync
      method        = aws_api_gateway_method.sync_post
      function_name = aws_lambda_function.sync.function_name
      alias         = aws_lambda_alias.sync_live
      statement_id  = "ApiGatewayPostSync"
    }
    stats_get = {
      path          = local.api_paths.stats
      method        = aws_api_gateway_method.stats_get
      function_name = aws_lambda_function.read.function_name
      alias         = aws_lambda_alias.read_live
      statement_id  = "ApiGatewayGetStats"
    }
    health_get = {
      path          = local.api_paths.health
      method        = aws_api_gateway_method.health_get
      function_name = aws_lambda_function.read.function_name
      alias         = aws_lambda_alias.read_live
      statement_id  = "ApiGatewayGetHealth"
    }
    badge_get = {
      path          = local.api_paths.badge
      method        = aws_api_gateway_method.badge_get
      function_name = aws_lambda_function.read.function_name
      alias         = aws_lambda_alias.read_live
      statement_id  = "ApiGatewayGetBadge"
    }
    page_get = {
      # In a permission's source ARN a path parameter is a wildcard segment.
      path          = "p/*"
      method        = aws_api_gateway_method.page_get
      function_name = aws_lambda_function.read.function_name
      alias         = aws_lambda_alias.read_live
      statement_id  = "ApiGatewayGetPage"
    }
  }
}

# Every route is a Lambda proxy to the live alias of its function.
resource "aws_api_gateway_integration" "route" {
  for_each = local.api_routes

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = each.value.method.resource_id
  http_method             = each.value.method.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = each.value.alias.invoke_arn
}

# Each permission lets API Gateway invoke one alias for one stage, method and path only.
resource "aws_lambda_permission" "api" {
  for_each = local.api_routes

  statement_id  = each.value.statement_id
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  qualifier     = each.value.alias.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn_stage}/${each.value.method.http_method}/${each.value.path}"
}

# ------------------------------------------------------------ optional source CIDRs

data "aws_iam_policy_document" "api_source_cidrs" {
  count = length(var.allowed_source_cidrs) > 0 ? 1 : 0

  statement {
    sid    = "InvokeFromAnywhereAllowedBelow"
    effect = "Allow"
    principals {
      # API keys, not IAM, authenticate callers; the Deny below does the restricting.
      type        = "*"
      identifiers = ["*"]
    }
    actions = ["execute-api:Invoke"]
    # Every stage, method and path of this one API.
    resources = ["${aws_api_gateway_rest_api.this.execution_arn}/*"]
  }

  statement {
    sid    = "DenyOutsideAllowedCidrs"
    effect = "Deny"
    principals {
      # A Deny must name every principal, hence "*".
      type        = "*"
      identifiers = ["*"]
    }
    actions = ["execute-api:Invoke"]
    # Every stage, method and path of this one API.
    resources = ["${aws_api_gateway_rest_api.this.execution_arn}/*"]
    condition {
      test     = "NotIpAddress"
      variable = "aws:SourceIp"
      values   = var.allowed_source_cidrs
    }
  }
}

resource "aws_api_gateway_rest_api_policy" "source_cidrs" {
  count = length(var.allowed_source_cidrs) > 0 ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this.id
  policy      = data.aws_iam_policy_document.api_source_cidrs[0].json
}

# ------------------------------------------------------------ deployment and stage

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  triggers = {
    # A REST API only serves what was deployed: hash every route, method and integration
    # (whole resources, so a changed api_key_required or alias URI counts too) and the
    # resource policy, and redeploy when any of them changes. One by one, in this order,
    # so the hash stays the one it was before paths and integrations became for_each (a
    # test checks that none is missing); the page's parts came later, at the end.
    redeployment = sha1(jsonencode([
      aws_api_gateway_resource.path["sync"],
      aws_api_gateway_resource.path["stats"],
      aws_api_gateway_resource.path["health"],
      aws_api_gateway_resource.path["badge"],
      aws_api_gateway_method.sync_post,
      aws_api_gateway_method.stats_get,
      aws_api_gateway_method.health_get,
      aws_api_gateway_method.badge_get,
      aws_api_gateway_integration.route["sync_post"],
      aws_api_gateway_integration.route["stats_get"],
      aws_api_gateway_integration.route["health_get"],
      aws_api_gateway_integration.route["badge_get"],
      aws_api_gateway_rest_api_policy.source_cidrs,
      aws_api_gateway_resource.page,
      aws_api_gateway_resource.page_token,
      aws_api_gateway_method.page_get,
      aws_api_gateway_integration.route["page_get"],
    ]))
  }

  lifecycle {
    # The stage keeps serving the old deployment until the new one exists.
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Caching would serve stale stats right after a sync, and a cache cluster costs more than this API's whole traffic.
  #checkov:skip=CKV2_AWS_29:WAF costs at least $5/month plus per-rule fees; API keys, usage-plan quotas, throttles and the optional CIDR policy bound the traffic here.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to an HTTP backend; Lambda proxy integrations have no such backend.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.api_stage_name
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.this["api_access"].arn
    # JSON, one line per request. Logs the key's id, never $context.identity.apiKey,
    # which is the key's value.
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      apiKeyId           = "$context.identity.apiKeyId"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      protocol           = "$context.protocol"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      errorMessage       = "$context.error.message"
      wafResponseCode    = "$context.wafResponseCode"
    })
  }

  # Access logging needs the region's API Gateway CloudWatch role to be set first.
  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose: stats must reflect a sync at once, and the read function answers in milliseconds.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  # Every method of the stage.
  method_path = "*/*"

  settings {
    metrics_enabled = true
    logging_level   = "ERROR"
    # Data trace would log full requests and responses, API key headers included.
    data_trace_enabled     = false
    throttling_rate_limit  = local.stage_throttle.rate_limit
    throttling_burst_limit = local.stage_throttle.burst_limit
    caching_enabled        = false
    # Should caching ever be turned on, cached responses are encrypted.
    cache_data_encrypted = true
  }

  # Logging on means API Gateway creates its execution log group unless it exists.
  depends_on = [aws_cloudwatch_log_group.this["api_execution"]]
}

# ---------------------------------------------------------------- keys and quota

resource "aws_api_gateway_usage_plan" "this" {
  name        = "${local.prefix}-usage"
  description = "The runner's own keys: method throttles and a daily quota"

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name

    throttle {
      path        = "/sync/POST"
      rate_limit  = local.sync_throttle.rate_limit
      burst_limit = local.sync_throttle.burst_limit
    }

    throttle {
      path        = "/stats/GET"
      rate_limit  = local.stats_throttle.rate_limit
      burst_limit = local.stats_throttle.burst_limit
    }

    throttle {
      path        = "/badge.svg/GET"
      rate_limit  = local.stats_throttle.rate_limit
      burst_limit = local.stats_throttle.burst_limit
    }
  }

  quota_settings {
    limit  = 1000
    period = "DAY"
  }

  throttle_settings {
    rate_limit  = local.stats_throttle.rate_limit
    burst_limit = local.stats_throttle.burst_limit
  }
}

locals {
  # The API's keys, by name (the name is also the key's name in the API-keys secret).
  api_keys = {
    personal       = "The runner's own key (notebook, terminal, phone)"
    github_actions = "Used by GitHub Actions smoke tests after a deploy"
  }
}

# No `value`: API Gateway generates each key. Trade-off: the provider still reads the
# value back into the Terraform state (marked sensitive), so whoever can read the state
# bucket can read the keys. The alternative, passing values in, would put them in
# variables and CI logs as well. Only the key ids are output; the values reach clients
# through the API-keys secret (docs/deploy.md, step 4 "Put the secrets"). The plan role
# may read the state but not the keys through the API (github_actions.tf).
resource "aws_api_gateway_api_key" "this" {
  for_each = local.api_keys

  name        = "${local.prefix}-${replace(each.key, "_", "-")}"
  description = each.value
  enabled     = true
}

resource "aws_api_gateway_usage_plan_key" "this" {
  for_each = local.api_keys

  key_id        = aws_api_gateway_api_key.this[each.key].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this.id
}

# ------------------------------------------------- region-wide CloudWatch logging role

data "aws_iam_policy_document" "api_gateway_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${local.prefix}-apigw-cloudwatch"
  description        = "Lets API Gateway in this region write execution and access logs"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json
}

resource "aws_iam_role_policy_attachment" "api_gateway_cloudwatch" {
  count = var.manage_api_gateway_account ? 1 : 0

  role = aws_iam_role.api_gateway_cloudwatch[0].name
  # AWS's managed policy for exactly this role: API Gateway creates one log group per
  # API and stage, with names we cannot list in advance.
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# A region-wide singleton: only one stack per account and region should manage it.
resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn

  depends_on = [aws_iam_role_policy_attachment.api_gateway_cloudwatch]
}
